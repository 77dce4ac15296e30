import { describe, expect, it } from 'vitest';
import { createRng, rngStream } from './rng.ts';
import { MathInputError } from './math/errors.ts';

const draws = (next: () => number, n: number): number[] => Array.from({ length: n }, next);

describe('seeded RNG streams', () => {
  it('gives the same stream for the same (seed, round, purpose), so any replica can recompute it', () => {
    const a = rngStream(42, 7, 'verify');
    const b = rngStream(42, 7, 'verify');
    expect(draws(() => a.uniform(), 100)).toEqual(draws(() => b.uniform(), 100));
  });

  it('gives different streams for a different seed, round or purpose', () => {
    const reference = rngStream(42, 7, 'verify');
    const expected = draws(() => reference.uniform(), 8);
    for (const [seed, round, purpose] of [
      [43, 7, 'verify'],
      [42, 8, 'verify'],
      [42, 7, 'draft'],
      [42, 7, 'recover'],
      [7, 42, 'verify'],
    ] as const) {
      const other = rngStream(seed, round, purpose);
      const got = draws(() => other.uniform(), 8);
      expect(got.some((u, i) => u === expected[i])).toBe(false);
    }
  });

  it('draws uniform() in [0, 1)', () => {
    const rng = createRng(1);
    const all = draws(() => rng.uniform(), 100_000);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...all)).toBeLessThan(1);
  });

  it('spreads uniform() evenly over 20 bins (chi-square, fixed seed)', () => {
    const rng = createRng(2026);
    const bins = new Array<number>(20).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) bins[Math.floor(rng.uniform() * 20)]! += 1;
    const expected = n / 20;
    const statistic = bins.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // χ²(19) at the 0.1% level.
    expect(statistic).toBeLessThan(43.82);
  });

  it('makes neighbouring streams uncorrelated (first draws of rounds 0..9,999)', () => {
    const firsts = Array.from({ length: 10_000 }, (_, round) =>
      rngStream(5, round, 'verify').uniform(),
    );
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    let lag = 0;
    let variance = 0;
    for (let i = 0; i < firsts.length; i++) {
      variance += (firsts[i]! - mean) ** 2;
      if (i > 0) lag += (firsts[i]! - mean) * (firsts[i - 1]! - mean);
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    // |lag-1 autocorrelation| < 4/√n: far outside what independent draws give by chance.
    expect(Math.abs(lag / variance)).toBeLessThan(0.04);
  });

  it('draws categorical(weights) in proportion to the weights and never a zero-weight index', () => {
    const rng = createRng(9);
    const weights = [0.5, 0, 1.5, 2];
    const counts = [0, 0, 0, 0];
    const n = 40_000;
    for (let i = 0; i < n; i++) counts[rng.categorical(weights)]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / n).toBeCloseTo(0.125, 2);
    expect(counts[2]! / n).toBeCloseTo(0.375, 2);
    expect(counts[3]! / n).toBeCloseTo(0.5, 2);
  });

  it('refuses a seed or round that is not a uint32 with a coded error', () => {
    for (const [seed, round] of [
      [-1, 0],
      [2 ** 32, 0],
      [1.5, 0],
      [Number.NaN, 0],
      [1, -1],
    ]) {
      expect(() => rngStream(seed!, round!, 'verify')).toThrow(MathInputError);
    }
    expect(() => createRng(-3)).toThrow(expect.objectContaining({ code: 'invalid_seed' }));
  });
});
