import type { PositionScore, TokenId } from '@specsteer/core';
import type { Token } from 'node-llama-cpp';
import type { NextTokenProbabilities } from './evaluate-suffix.ts';

/**
 * One position of a scored sequence in core's shape: the top-K of the
 * distribution (the map is already sorted high → low) and the log-probability
 * of the token that follows (null after the last token). A token missing from
 * the map has probability 0: log 0 = -Infinity, which the protocol sends as null.
 */
export function positionScore(
  next: NextTokenProbabilities,
  followingToken: TokenId | undefined,
  topK: number,
): PositionScore {
  const ids: TokenId[] = [];
  const logprobs: number[] = [];
  for (const [id, probability] of next) {
    if (ids.length >= topK) break;
    ids.push(id);
    logprobs.push(Math.log(probability));
  }
  return {
    top: { ids, logprobs },
    tokenLogprob:
      followingToken === undefined ? null : Math.log(next.get(followingToken as Token) ?? 0),
  };
}
