// The server's step of one round (docs/design.md "Verify", protocol round
// semantics in packages/protocol/src/messages/round.ts): the corrections at
// every position of the scored draft. The device decides what stands; the
// server learns it from the next frame's `committed`. The verifier app calls
// this through VerifierConversation; it is the only copy.

import type { PositionScore, TokenId } from '../engine.ts';
import { draftCorrections, type ServerCorrection } from '../math/verify.ts';

export interface RoundToScore {
  /** y_1..y_k, already checked against the vocabulary and the session's room. */
  draft: readonly TokenId[];
  /** k+1 target scores from the position of y_1 on, at the session's temperature. */
  target: PositionScore[];
  topK: number;
  vocabSize: number;
  /** 0 = greedy: no tail samples. */
  temperature: number;
  /** The session's 'verify' stream for this round: the tail samples, in position order. */
  uniform: () => number;
}

/** The k+1 corrections a verdict carries. */
export function scoreRound(round: RoundToScore): ServerCorrection[] {
  return draftCorrections(
    { draft: [...round.draft], target: round.target, topK: round.topK, vocabSize: round.vocabSize },
    round.temperature === 0 ? null : round.uniform,
  );
}
