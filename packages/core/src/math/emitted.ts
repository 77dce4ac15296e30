// The analytic emitted distribution of docs/design.md §2 "Why this is right", and
// the distance used to report how far an approximation is from π.

import { acceptProbability } from './acceptance.ts';
import { fusionTarget } from './fusion.ts';
import { steeringResidual } from './residual.ts';
import { assertSameLength } from './validate.ts';

/**
 * D(y) = q(y)·a(y) + P(reject)·R(y) for one position with full distributions:
 * draft y from q, accept it with a(y) = min(1, p/(s·c)), otherwise recover
 * from R ∝ max(0, π − q·a). Equals π exactly whenever π ≥ q·a pointwise.
 */
export function emittedDistribution(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  s: ArrayLike<number>,
  alpha: number,
  c: number,
): Float64Array {
  const pi = fusionTarget(p, q, s, alpha);
  const n = pi.length;
  const a = new Float64Array(n);
  let acceptMass = 0;
  for (let y = 0; y < n; y++) {
    a[y] = acceptProbability(p[y]!, s[y]!, c);
    acceptMass += q[y]! * a[y]!;
  }
  const rejectMass = Math.max(0, 1 - acceptMass);
  const residual = steeringResidual(pi, q, a);
  const emitted = new Float64Array(n);
  for (let y = 0; y < n; y++) emitted[y] = q[y]! * a[y]! + rejectMass * residual[y]!;
  return emitted;
}

/** TV(a, b) = ½ Σ |a − b|. */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b, 'a and b');
  let sum = 0;
  for (let y = 0; y < a.length; y++) sum += Math.abs(a[y]! - b[y]!);
  return sum / 2;
}
