// The server's step of one round (docs/design.md §2 "Verify", protocol round
// semantics in packages/protocol/src/messages/round.ts): the ratio test on the
// scored draft, then the session's stop conditions. The verifier app calls
// this through VerifierConversation; it is the only copy.

import type { FinishReason } from '@specsteer/protocol';
import type { PositionScore, TokenId } from '../engine.ts';
import { verifyDraft } from '../math/verify.ts';
import type { Correction, SamplingParams } from '../math/types.ts';

export interface RoundToVerify {
  /** y_1..y_k, already checked against the vocabulary and the session's room. */
  draft: readonly TokenId[];
  /** k+1 target scores from the position of y_1 on (ScoringSession.score). */
  target: PositionScore[];
  /** k+1 reference scores, same positions. */
  reference: PositionScore[];
  sampling: SamplingParams;
  vocabSize: number;
  /** u_i of the ratio test: the session's 'verify' stream for this round. */
  uniform: () => number;
  /** Output length before the draft (after the piggybacked token). */
  outputLength: number;
  maxTokens: number;
  stopTokens: ReadonlySet<TokenId>;
}

export interface RoundOutcome {
  /** Draft tokens accepted into the output (a prefix of the draft). */
  accepted: number;
  /** The correction at output index outputLength + accepted, or null when the session finished. */
  correction: Correction | null;
  finish: FinishReason | null;
}

/**
 * Ratio test, then cut the accepted prefix at the first stop token (it is
 * included and ends the session) and at maxTokens. A draft never holds tokens
 * after a stop token from an honest client; from any other, they are not taken.
 */
export function verifyRound(round: RoundToVerify): RoundOutcome {
  const verdict = verifyDraft({
    draft: [...round.draft],
    target: round.target,
    reference: round.reference,
    sampling: round.sampling,
    vocabSize: round.vocabSize,
    uniform: round.uniform,
  });
  for (let i = 0; i < verdict.accepted; i++) {
    if (round.stopTokens.has(round.draft[i]!)) {
      return { accepted: i + 1, correction: null, finish: 'stop' };
    }
  }
  if (round.outputLength + verdict.accepted >= round.maxTokens) {
    return { accepted: round.maxTokens - round.outputLength, correction: null, finish: 'length' };
  }
  return { accepted: verdict.accepted, correction: verdict.correction, finish: null };
}
