// What a cloud scorer reveals about one position (docs/design.md §5: vLLM's
// prompt_logprobs): exact probabilities for its own top-K and for the token
// that follows, and nothing about the rest but their total mass.

import type { PositionScore, TokenId } from './types.ts';
import { MathInputError } from './errors.ts';
import { assertLogprob, assertTokenId } from './validate.ts';

export interface PartialDistribution {
  vocabSize: number;
  /** Known ids: the top entries (highest first), then the scored token if it was outside them. */
  ids: TokenId[];
  probs: number[];
  /** Mass of the vocabSize − ids.length unseen tokens (0 when none are unseen). */
  tailMass: number;
}

/**
 * The known part of `score` at one position: its first `topK` top entries plus
 * `token` with its own log-probability (the drafted or rejected token), if any.
 */
export function partialFromScore(
  score: PositionScore,
  token: TokenId | null,
  topK: number,
  vocabSize: number,
  field: string,
): PartialDistribution {
  const { ids: topIds, logprobs } = score.top;
  if (topIds.length !== logprobs.length || topIds.length === 0) {
    throw new MathInputError(
      'invalid_scores',
      `${field}.top must hold as many ids as logprobs, at least one (got ${topIds.length} and ${logprobs.length})`,
    );
  }
  const count = Math.min(topK, topIds.length);
  const ids: TokenId[] = [];
  const probs: number[] = [];
  const seen = new Set<TokenId>();
  for (let j = 0; j < count; j++) {
    const id = topIds[j]!;
    assertTokenId(id, vocabSize, `${field}.top.ids[${j}]`);
    assertLogprob(logprobs[j]!, `${field}.top.logprobs[${j}]`, 'invalid_scores');
    if (seen.has(id))
      throw new MathInputError('invalid_scores', `${field}.top.ids repeats token ${id}`);
    seen.add(id);
    ids.push(id);
    probs.push(Math.min(1, Math.exp(logprobs[j]!)));
  }
  if (token !== null && !seen.has(token)) {
    const lp = score.tokenLogprob;
    if (lp === null) {
      throw new MathInputError(
        'invalid_scores',
        `${field}.tokenLogprob is null but token ${token} follows this position`,
      );
    }
    assertLogprob(lp, `${field}.tokenLogprob`, 'invalid_scores');
    ids.push(token);
    probs.push(Math.min(1, Math.exp(lp)));
  }
  let known = 0;
  for (const v of probs) known += v;
  const unseen = vocabSize - ids.length;
  // Float error can push the known mass a hair over 1; the tail is never negative.
  const tailMass = unseen > 0 ? Math.max(0, 1 - known) : 0;
  return { vocabSize, ids, probs, tailMass };
}

/** The probability of `id` if it is known, else undefined. */
export function knownProbability(d: PartialDistribution, id: TokenId): number | undefined {
  const j = d.ids.indexOf(id);
  return j < 0 ? undefined : d.probs[j];
}
