// The fusion target of docs/design.md §2 (Bayesian knowledge fusion): the cloud's
// belief p, updated by the private evidence q/s raised to α.

import { MathInputError } from './errors.ts';
import { assertSameLength, assertWeights } from './validate.ts';

/**
 * The likelihood ratio q/s with the conventions that keep π defined when a
 * table holds zeros:
 * - q = 0 and s = 0: 1 — neither model has an opinion, the evidence is neutral
 *   (so q = s gives π = p for every α, zeros included);
 * - q > 0 and s = 0: +Infinity — the private context makes possible what the
 *   public one rules out (see fusionTarget for what π does then);
 * - q = 0 and s > 0: 0.
 */
export function likelihoodRatio(q: number, s: number): number {
  if (s > 0) return q / s;
  return q > 0 ? Infinity : 1;
}

/**
 * π(y) ∝ p(y)·(q(y)/s(y))^α over the given support, normalized.
 *
 * Conventions: α = 0 gives p itself. π(y) = 0 wherever p(y) = 0. When some
 * token has p > 0, s = 0, q > 0 its ratio is infinite and π is the limit as
 * those s shrink together: π ∝ p·q^α on exactly those tokens. When the fused
 * mass is zero (every token p favours, q rules out), π falls back to p, the
 * cloud alone, so recovery always has somewhere to go.
 */
export function fusionTarget(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  s: ArrayLike<number>,
  alpha: number,
): Float64Array {
  assertSameLength(p, q, 'p and q');
  assertSameLength(p, s, 'p and s');
  assertWeights(p, 'p', false);
  assertWeights(q, 'q', false);
  assertWeights(s, 's', false);
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new MathInputError('invalid_sampling', `alpha must be finite and ≥ 0, got ${alpha}`);
  }
  return fuse(Float64Array.from(p), Float64Array.from(q), Float64Array.from(s), alpha);
}

/**
 * fusionTarget without the input checks, over Float64Arrays, in one pass plus
 * normalization: the device runs it over the whole vocabulary (150k tokens for
 * Qwen) on every recovery.
 */
export function fuse(
  p: Float64Array,
  q: Float64Array,
  s: Float64Array,
  alpha: number,
): Float64Array {
  const n = p.length;
  const pi = new Float64Array(n);
  if (alpha === 0) return normalizedOrThrow(p, pi);
  let total = 0;
  for (let y = 0; y < n; y++) {
    const py = p[y]!;
    if (py === 0) continue;
    const sy = s[y]!;
    const qy = q[y]!;
    // likelihoodRatio inlined: q/s, Infinity for q > 0 = s, neutral 1 for 0/0.
    const ratio = sy > 0 ? qy / sy : qy > 0 ? Infinity : 1;
    const weight = py * (alpha === 1 ? ratio : Math.pow(ratio, alpha));
    pi[y] = weight;
    total += weight;
  }
  if (total === Infinity) {
    // s = 0 < q somewhere (or a ratio overflowed): the limit as those s shrink together.
    total = 0;
    for (let y = 0; y < n; y++) {
      const weight = pi[y] === Infinity ? p[y]! * Math.pow(q[y]!, alpha) : 0;
      pi[y] = weight;
      total += weight;
    }
  }
  if (!(total > 0)) return normalizedOrThrow(p, pi);
  for (let y = 0; y < n; y++) pi[y] = pi[y]! / total;
  return pi;
}

function normalizedOrThrow(p: ArrayLike<number>, out: Float64Array): Float64Array {
  let total = 0;
  for (let y = 0; y < p.length; y++) total += p[y]!;
  if (!(total > 0))
    throw new MathInputError(
      'invalid_distribution',
      'p has no mass: the fusion target is undefined',
    );
  for (let y = 0; y < p.length; y++) out[y] = p[y]! / total;
  return out;
}
