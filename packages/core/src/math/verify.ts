// The server's step of docs/design.md "Verify": score the draft with the
// target and send, for every position 1..k+1, the correction — the target's
// top-K there, the draft token's exact value, the mass outside and (sampled
// mode) one draw from it. It sees public data only: the draft tokens and the
// target's scores. The acceptance test runs on the device, which alone has
// π (it needs q): accept y_i with min(1, π_i(y_i)/q_i(y_i)) — the paper's
// ratio test p/s scaled by the exact normalizer instead of a leniency constant.

import type { PositionScore, ScoredDraft, TokenId } from './types.ts';
import { buildCorrection } from './correction.ts';
import { MathInputError } from './errors.ts';
import type { Correction } from './types.ts';
import { assertTokenId, assertVocabSize } from './validate.ts';

/** A correction as the server sends it: the first `top` ids are the target's top-K. */
export type ServerCorrection = Correction & { top: number };

function assertScoredDraft(input: ScoredDraft): void {
  const { draft, target, vocabSize, topK } = input;
  assertVocabSize(vocabSize);
  if (!Number.isInteger(topK) || topK < 1) {
    throw new MathInputError('invalid_sampling', `topK must be an integer ≥ 1, got ${topK}`);
  }
  draft.forEach((token, i) => assertTokenId(token, vocabSize, `draft[${i}]`));
  if (target.length !== draft.length + 1) {
    throw new MathInputError(
      'invalid_scores',
      `target must score draft.length + 1 = ${draft.length + 1} positions, got ${target.length}`,
    );
  }
}

/**
 * The corrections at positions 1..k+1 (each with the draft token there, the
 * last one the bonus position). `tailUniform` is the server's public
 * verification stream (sampled mode): each correction's tail sample is drawn
 * from it in position order; null in greedy mode, which never samples.
 */
export function draftCorrections(
  input: ScoredDraft,
  tailUniform: (() => number) | null,
): ServerCorrection[] {
  assertScoredDraft(input);
  return input.target.map((score: PositionScore, i) => {
    const token: TokenId | null = i < input.draft.length ? input.draft[i]! : null;
    return buildCorrection(score, token, input.topK, input.vocabSize, tailUniform, `target[${i}]`);
  });
}
