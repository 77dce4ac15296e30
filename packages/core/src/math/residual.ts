// The steering residual of docs/design.md §2 "Recover": what the device samples
// after a rejection, so that accepted + recovered tokens together follow π.

import { assertSameLength, assertWeights } from './validate.ts';

/**
 * Below this the residual is rounding noise, not mass: float error on
 * π − q·a is about 1e-16 per unit of mass, and a real rejection with
 * probability under 1e-12 does not happen in practice.
 */
const EMPTY_RESIDUAL = 1e-12;

/**
 * R(y) ∝ max(0, π(y) − q(y)·a(y)), normalized.
 *
 * Fallback: Σ max(0, π − q·a) ≥ 1 − Σ q·a = P(reject), so the residual has
 * mass whenever a rejection could happen; it can be empty only through
 * rounding or when π ≤ q·a everywhere (then nothing should be rejected). When
 * its mass is at most EMPTY_RESIDUAL, R = π, the target itself.
 */
export function steeringResidual(
  pi: ArrayLike<number>,
  q: ArrayLike<number>,
  a: ArrayLike<number>,
): Float64Array {
  assertSameLength(pi, q, 'pi and q');
  assertSameLength(pi, a, 'pi and a');
  assertWeights(pi, 'pi', false);
  assertWeights(q, 'q', false);
  assertWeights(a, 'a', false);
  return normalizedResidual(pi, q, (y) => a[y]!);
}

/**
 * steeringResidual with a(y) = acceptProbability(p(y), s(y), c) computed in
 * the same pass and no input checks: the device's path over the whole
 * vocabulary on every recovery.
 */
export function steeringResidualFromScores(
  pi: Float64Array,
  q: Float64Array,
  p: Float64Array,
  s: Float64Array,
  leniency: number,
): Float64Array {
  const n = pi.length;
  const residual = new Float64Array(n);
  let total = 0;
  for (let y = 0; y < n; y++) {
    const py = p[y]!;
    const sy = s[y]!;
    const a = py === 0 ? 0 : sy === 0 ? 1 : Math.min(1, py / (sy * leniency));
    const r = pi[y]! - q[y]! * a;
    if (r > 0) {
      residual[y] = r;
      total += r;
    }
  }
  return normalizeOrFallBack(residual, total, pi);
}

function normalizedResidual(
  pi: ArrayLike<number>,
  q: ArrayLike<number>,
  a: (y: number) => number,
): Float64Array {
  const n = pi.length;
  const residual = new Float64Array(n);
  let total = 0;
  for (let y = 0; y < n; y++) {
    const r = pi[y]! - q[y]! * a(y);
    if (r > 0) {
      residual[y] = r;
      total += r;
    }
  }
  return normalizeOrFallBack(residual, total, pi);
}

function normalizeOrFallBack(
  residual: Float64Array,
  total: number,
  pi: ArrayLike<number>,
): Float64Array {
  const n = residual.length;
  if (!(total > EMPTY_RESIDUAL)) {
    let piTotal = 0;
    for (let y = 0; y < n; y++) piTotal += pi[y]!;
    for (let y = 0; y < n; y++) residual[y] = pi[y]! / piTotal;
    return residual;
  }
  for (let y = 0; y < n; y++) residual[y] = residual[y]! / total;
  return residual;
}
