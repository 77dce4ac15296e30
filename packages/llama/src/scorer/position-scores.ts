import {
  scoreFromDistribution,
  type PositionScore,
  type ScoreOptions,
  type TokenId,
} from '@specsteer/core';
import type { NextTokenProbabilities } from './evaluate-suffix.ts';

/**
 * One position of a scored sequence in core's shape. llama.cpp holds the
 * whole distribution, so it is tempered over the full vocabulary (exact),
 * reports its top-K and the following token's value, and can draw the
 * correction's tail sample (core's scoreFromDistribution). A token missing
 * from the map has probability 0.
 */
export function positionScore(
  next: NextTokenProbabilities,
  followingToken: TokenId | undefined,
  options: ScoreOptions,
  vocabSize: number,
): PositionScore {
  const probs = new Float64Array(vocabSize);
  for (const [id, probability] of next) probs[id] = probability;
  return scoreFromDistribution(probs, followingToken, options);
}
