// Drawing one index from non-negative weights with a single uniform number,
// so that a draw is reproducible from the RNG stream that produced u.

import { MathInputError } from './errors.ts';

/**
 * Index i with probability weights[i] / Σ weights, by inverting the CDF at
 * u·Σ. Weights need not be normalized. A rounding overshoot at the end lands
 * on the last index with positive weight, so a zero-weight index is never drawn.
 */
export function sampleCategorical(weights: ArrayLike<number>, u: number): number {
  if (!(u >= 0 && u < 1)) {
    throw new MathInputError(
      'invalid_sampling',
      `uniform() must return a number in [0, 1), got ${u}`,
    );
  }
  let total = 0;
  let lastPositive = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || w === Infinity) {
      throw new MathInputError(
        'invalid_distribution',
        `weights[${i}] must be finite and ≥ 0, got ${w}`,
      );
    }
    if (w > 0) lastPositive = i;
    total += w;
  }
  if (lastPositive < 0) {
    throw new MathInputError(
      'invalid_distribution',
      'cannot sample from weights that are all zero',
    );
  }
  const target = u * total;
  let cumulative = 0;
  for (let i = 0; i <= lastPositive; i++) {
    const w = weights[i]!;
    cumulative += w;
    if (w > 0 && target < cumulative) return i;
  }
  return lastPositive;
}

/**
 * The index of the largest weight among `candidates` (all indices, in order,
 * when omitted). Ties go to a candidate other than `avoid` first, then to the
 * earliest candidate, so greedy decoding is deterministic.
 */
export function argmax(
  weights: ArrayLike<number>,
  candidates?: readonly number[],
  avoid: number | null = null,
): number {
  const count = candidates ? candidates.length : weights.length;
  if (count === 0) throw new MathInputError('invalid_distribution', 'argmax of an empty set');
  let best = -1;
  let bestValue = -Infinity;
  for (let j = 0; j < count; j++) {
    const i = candidates ? candidates[j]! : j;
    const v = weights[i]!;
    if (Number.isNaN(v)) throw new MathInputError('invalid_distribution', `weights[${i}] is NaN`);
    if (best < 0 || v > bestValue || (v === bestValue && best === avoid && i !== avoid)) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}
