// Temperature T applied to each distribution before the math of docs/design.md §2:
// exact for the device's full q, an approximation for the cloud's partial view.

import type { Distribution } from './types.ts';
import type { PartialDistribution } from './partial.ts';
import { MathInputError } from './errors.ts';

function assertTemperature(temperature: number): void {
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new MathInputError(
      'invalid_sampling',
      `temperature must be finite and > 0 here, got ${temperature}`,
    );
  }
}

/** q_T ∝ q^(1/T), exact; computed relative to the largest entry so that small T cannot underflow it. */
export function temperDistribution(q: ArrayLike<number>, temperature: number): Distribution {
  assertTemperature(temperature);
  if (temperature === 1) return Float64Array.from(q);
  const out = new Float64Array(q.length);
  let largest = 0;
  for (let y = 0; y < q.length; y++) largest = Math.max(largest, q[y]!);
  if (!(largest > 0))
    throw new MathInputError('invalid_distribution', 'cannot temper a distribution with no mass');
  const exponent = 1 / temperature;
  let total = 0;
  for (let y = 0; y < q.length; y++) {
    const v = q[y]! > 0 ? Math.pow(q[y]! / largest, exponent) : 0;
    out[y] = v;
    total += v;
  }
  for (let y = 0; y < q.length; y++) out[y] = out[y]! / total;
  return out;
}

/**
 * The partial view tempered. Known entries are exact up to the normalizer;
 * the normalizer is an approximation: the unseen tokens are taken to share the
 * tail evenly (the same estimate the correction uses), so the tail tempers as
 * one lump of n·(tail/n)^(1/T). Exact when nothing is unseen (K = vocabulary).
 */
export function temperPartial(d: PartialDistribution, temperature: number): PartialDistribution {
  assertTemperature(temperature);
  if (temperature === 1) return d;
  const exponent = 1 / temperature;
  const unseen = d.vocabSize - d.ids.length;
  let largest = 0;
  for (const v of d.probs) largest = Math.max(largest, v);
  const tailEach = unseen > 0 ? d.tailMass / unseen : 0;
  largest = Math.max(largest, tailEach);
  if (!(largest > 0))
    throw new MathInputError('invalid_scores', 'cannot temper scores with no mass');
  const probs = d.probs.map((v) => (v > 0 ? Math.pow(v / largest, exponent) : 0));
  const tail = tailEach > 0 ? unseen * Math.pow(tailEach / largest, exponent) : 0;
  let total = tail;
  for (const v of probs) total += v;
  return { ...d, probs: probs.map((v) => v / total), tailMass: tail / total };
}
