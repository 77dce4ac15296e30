// Temperature T ∉ {0, 1}: q and s are tempered exactly on the device, p by
// the server over its full distribution where it holds it (exact) — and by
// temperPartial over the reported entries where it does not (vLLM: the tail
// as one lump, exact when the top-K covers the vocabulary). Rounds at T are
// proved exact in exact-law.test.ts.

import { describe, expect, it } from 'vitest';
import { temperDistribution, temperPartial } from './temperature.ts';
import { partialFromScore } from './partial.ts';
import { chooseDraftToken } from './draft.ts';
import { scoreOf } from './testing/explicit-scores.ts';
import { totalVariation } from './emitted.ts';

const tempered = (d: ArrayLike<number>, t: number): number[] => {
  const w = Array.from(d, (v) => v ** (1 / t));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
};

describe('temperDistribution', () => {
  it('is q^(1/T) normalized', () => {
    const q = [0.5, 0.3, 0.2, 0];
    for (const t of [0.5, 0.7, 2]) {
      expect(totalVariation(temperDistribution(q, t), tempered(q, t))).toBeLessThan(1e-15);
    }
  });

  it('does not underflow at small T: the largest entry keeps its mass', () => {
    const cold = temperDistribution([1e-3, 2e-3, 0.997], 0.001);
    expect(cold[2]).toBe(1);
    expect(Number.isFinite(cold[0])).toBe(true);
  });

  it('refuses T ≤ 0 (greedy mode is handled by argmax, not by tempering)', () => {
    expect(() => temperDistribution([1], 0)).toThrow(
      expect.objectContaining({ code: 'invalid_sampling' }),
    );
  });
});

describe('temperPartial', () => {
  const p = [0.4, 0.3, 0.2, 0.06, 0.04];

  it('is exact when the top-K covers the vocabulary', () => {
    const d = temperPartial(partialFromScore(scoreOf(p, null), null, 5, 5, 'target'), 0.6);
    const exact = tempered(p, 0.6);
    d.ids.forEach((id, j) => expect(d.probs[j]).toBeCloseTo(exact[id]!, 14));
    expect(d.tailMass).toBe(0);
  });

  it('treats the tail as evenly spread: exact when the unreported tokens are equally likely', () => {
    const flatTail = [0.5, 0.2, 0.1, 0.1, 0.1];
    const d = temperPartial(partialFromScore(scoreOf(flatTail, null, 2), null, 2, 5, 'target'), 2);
    const exact = tempered(flatTail, 2);
    expect(d.probs[0]).toBeCloseTo(exact[0]!, 14);
    expect(d.tailMass).toBeCloseTo(exact[2]! + exact[3]! + exact[4]!, 14);
  });
});

describe('chooseDraftToken', () => {
  it('takes argmax q at T = 0 and samples q^(1/T) otherwise', () => {
    const q = Float64Array.from([0.2, 0.5, 0.3]);
    expect(chooseDraftToken(q, 0, () => 0.99)).toBe(1);
    expect(chooseDraftToken(q, 1, () => 0.1)).toBe(0);
    // At T = 0.5 the law is [0.04, 0.25, 0.09]/0.38: u = 0.2 falls in token 1's interval.
    expect(chooseDraftToken(q, 0.5, () => 0.2)).toBe(1);
  });
});
