import { describe, expect, it } from 'vitest';
import { fusionTarget, likelihoodRatio } from './fusion.ts';
import { MathInputError } from './errors.ts';

const close = (actual: ArrayLike<number>, expected: number[]): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 14));
};

describe('fusionTarget: π ∝ p·(q/s)^α', () => {
  const p = [0.5, 0.3, 0.2];
  const q = [0.2, 0.6, 0.2];
  const s = [0.4, 0.4, 0.2];

  it('weights the cloud belief by the private likelihood ratio, normalized', () => {
    // p·q/s = [0.25, 0.45, 0.2], sum 0.9
    close(fusionTarget(p, q, s, 1), [0.25 / 0.9, 0.45 / 0.9, 0.2 / 0.9]);
  });

  it('raises the ratio to α', () => {
    const raw = p.map((py, y) => py * Math.pow(q[y]! / s[y]!, 2));
    const total = raw.reduce((a, b) => a + b, 0);
    close(
      fusionTarget(p, q, s, 2),
      raw.map((v) => v / total),
    );
  });

  it('is the cloud model alone at α = 0, even where q = 0', () => {
    close(fusionTarget(p, [0, 1, 0], s, 0), p);
  });

  it('is p for every α when there is no private shift (q = s), zeros included', () => {
    const shared = [0.5, 0, 0.5];
    for (const alpha of [0.3, 1, 4])
      close(fusionTarget([0.2, 0.7, 0.1], shared, shared, alpha), [0.2, 0.7, 0.1]);
  });

  it('gives π = 0 where p = 0, whatever the private evidence says', () => {
    expect(fusionTarget([0, 0.5, 0.5], [0.9, 0.05, 0.05], [0.1, 0.45, 0.45], 1)[0]).toBe(0);
  });

  it('puts all mass on tokens the private context makes possible and the public one rules out (s = 0 < q), ∝ p·q^α', () => {
    const pi = fusionTarget([0.2, 0.3, 0.5], [0.5, 0.25, 0.25], [0, 0, 1], 1);
    close(pi, [0.1 / 0.175, 0.075 / 0.175, 0]);
  });

  it('falls back to p when the fused mass is zero (q rules out everything p allows)', () => {
    close(fusionTarget([0.5, 0.5, 0], [0, 0, 1], [0.5, 0.25, 0.25], 1), [0.5, 0.5, 0]);
  });

  it('reads the likelihood ratio 0/0 as neutral evidence and q/0 as infinite', () => {
    expect(likelihoodRatio(0, 0)).toBe(1);
    expect(likelihoodRatio(0.1, 0)).toBe(Infinity);
    expect(likelihoodRatio(0, 0.1)).toBe(0);
    expect(likelihoodRatio(0.2, 0.1)).toBe(2);
  });

  it('refuses malformed input with a coded error', () => {
    const bad: Array<[number[], number[], number[], number]> = [
      [[0.5, 0.5], [1], [0.5, 0.5], 1],
      [[0.5, Number.NaN], [0.5, 0.5], [0.5, 0.5], 1],
      [[0.5, -0.1], [0.5, 0.5], [0.5, 0.5], 1],
      [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], -1],
      [[0, 0], [0.5, 0.5], [0.5, 0.5], 1],
    ];
    for (const [bp, bq, bs, alpha] of bad)
      expect(() => fusionTarget(bp, bq, bs, alpha)).toThrow(MathInputError);
  });
});
