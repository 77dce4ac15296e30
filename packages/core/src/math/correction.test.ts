import { describe, expect, it } from 'vitest';
import { buildCorrection, fuseCorrection } from './correction.ts';
import { protocolLaw, protocolLawReference, totalVariation } from './emitted.ts';
import { MathInputError } from './errors.ts';
import { fusionTarget } from './fusion.ts';
import { temperDistribution } from './temperature.ts';
import { randomDistribution, scoreOf } from './testing/explicit-scores.ts';
import { rngStream } from '../rng.ts';
import type { Correction } from './types.ts';

const p = [0.4, 0.3, 0.2, 0.1, 0];

const probs = (logprobs: (number | null)[]) =>
  logprobs.map((lp) => (lp === null ? null : Number(Math.exp(lp).toFixed(12))));
const f64 = (values: number[]) => Float64Array.from(values);
const fixed = (u: number) => () => u;

describe('buildCorrection (server)', () => {
  it('carries the target top-K exactly, no tail and no tail sample at K = vocabulary size', () => {
    const c = buildCorrection(scoreOf(p, null, 5), null, 5, 5, fixed(0.5));
    expect(c.ids).toEqual([0, 1, 2, 3, 4]);
    expect(c.top).toBe(5);
    expect(probs(c.logprobs)).toEqual([0.4, 0.3, 0.2, 0.1, null]);
    expect(c.tail).toBeNull();
    expect(c.tailSample).toBeUndefined();
  });

  it('appends the draft token outside the top-K with its exact value, and reports the mass outside', () => {
    const c = buildCorrection(scoreOf(p, 3, 2), 3, 2, 5, fixed(0.5));
    expect(c.ids).toEqual([0, 1, 3]);
    expect(c.top).toBe(2);
    expect(probs(c.logprobs)).toEqual([0.4, 0.3, 0.1]);
    expect(Math.exp(c.tail!)).toBeCloseTo(0.2, 12);
    // Only token 2 has mass outside {0, 1, 3}.
    expect(c.tailSample).toBe(2);
  });

  it('draws the tail sample from p restricted to the tokens outside the support', () => {
    const law = [0.5, 0.1, 0.2, 0.15, 0.05];
    const counts = new Map<number, number>();
    const rng = rngStream(3, 0, 'test');
    for (let i = 0; i < 20_000; i++) {
      const c = buildCorrection(scoreOf(law, null, 2), null, 2, 5, () => rng.uniform());
      counts.set(c.tailSample!, (counts.get(c.tailSample!) ?? 0) + 1);
    }
    // Outside {0, 2}: 1, 3, 4 in proportion 0.1 : 0.15 : 0.05.
    expect([...counts.keys()].sort()).toEqual([1, 3, 4]);
    expect(counts.get(1)! / 20_000).toBeCloseTo(1 / 3, 1);
    expect(counts.get(3)! / 20_000).toBeCloseTo(1 / 2, 1);
  });

  it('sends no tail sample in greedy mode (no uniform) or when the scorer cannot draw one', () => {
    expect(buildCorrection(scoreOf(p, null, 2), null, 2, 5, null).tailSample).toBeUndefined();
    const { sampleOutside: _drop, ...partialOnly } = scoreOf(p, null, 2);
    expect(buildCorrection(partialOnly, null, 2, 5, fixed(0.5)).tailSample).toBeUndefined();
  });
});

describe('fuseCorrection (device)', () => {
  const q = f64([0.1, 0.2, 0.3, 0.15, 0.25]);
  const s = f64([0.3, 0.2, 0.2, 0.2, 0.1]);
  const pFull = f64([0.4, 0.3, 0.2, 0.09, 0.01]);

  it('is exactly π at K = vocabulary size', () => {
    const c = buildCorrection(scoreOf(pFull, null, 5), null, 5, 5, null);
    const { pi } = fuseCorrection(c, q, s, 1);
    const exact = fusionTarget(pFull, q, s, 1);
    pi.forEach((v, y) => expect(v).toBeCloseTo(exact[y]!, 14));
  });

  it('shares the unreported mass by s times the evidence when there is no tail sample', () => {
    const c = buildCorrection(scoreOf(pFull, null, 2), null, 2, 5, null);
    const { pi } = fuseCorrection(c, q, s, 1);
    // Support {0, 1}: p·q/s exact; tail P = 0.3 over {2, 3, 4}: P·(s/S)·(q/s) = P·q/S, S = 0.5.
    const weights = [
      0.4 * (0.1 / 0.3),
      0.3 * 1,
      (0.3 * 0.3) / 0.5,
      (0.3 * 0.15) / 0.5,
      (0.3 * 0.25) / 0.5,
    ];
    const total = weights.reduce((a, b) => a + b);
    weights.forEach((w, y) => expect(pi[y]).toBeCloseTo(w / total, 12));
  });

  it('puts P·w_min on the tail sample and only the excess evidence on the estimate', () => {
    const c = { ...buildCorrection(scoreOf(pFull, null, 2), null, 2, 5, null), tailSample: 4 };
    const { pi } = fuseCorrection(c, q, s, 1);
    // w on the tail {2, 3, 4}: 1.5, 0.75, 2.5 → w_min = 0.75.
    const share = (y: number) => (0.3 * s[y]!) / 0.5;
    const weights = [
      0.4 * (0.1 / 0.3),
      0.3,
      share(2) * (1.5 - 0.75),
      share(3) * 0,
      share(4) * (2.5 - 0.75) + 0.3 * 0.75,
    ];
    const total = weights.reduce((a, b) => a + b);
    weights.forEach((w, y) => expect(pi[y]).toBeCloseTo(w / total, 12));
  });

  it('reads a near-certain reference with no tail mass at all without inventing evidence', () => {
    // s and q both put all but 1e-15 on token 0; p's top-3 reports junk tokens at 1e-8.
    const near = f64([1 - 4e-15, 1e-15, 1e-15, 1e-15, 1e-15]);
    const pJunk = f64([1 - 3e-8, 1e-8, 1e-8, 1e-8, 0]);
    const c = buildCorrection(scoreOf(pJunk, null, 3), null, 3, 5, fixed(0.5));
    const { pi } = fuseCorrection(c, near, near, 1);
    pi.forEach((v, y) => expect(v).toBeCloseTo(pJunk[y]!, 15));
  });

  it('gives tokens reported by the target only their exact p and the device its own q and s', () => {
    // q favours token 4, which p reports and s ranks last: π follows p·q/s there exactly.
    const q4 = f64([0.05, 0.05, 0.05, 0.05, 0.8]);
    const pTop = f64([0.1, 0.1, 0.1, 0.1, 0.6]);
    const c = buildCorrection(scoreOf(pTop, null, 5), null, 5, 5, null);
    const { pi } = fuseCorrection(c, q4, s, 1);
    const exact = fusionTarget(pTop, q4, s, 1);
    pi.forEach((v, y) => expect(v).toBeCloseTo(exact[y]!, 14));
  });

  it('accepts a draft with min(1, π̂/q) inside the top-K and never outside it', () => {
    const c = buildCorrection(scoreOf(pFull, 4, 2), 4, 2, 5, null);
    const { acceptance, pi } = fuseCorrection(c, q, s, 1);
    expect(acceptance(0)).toBeCloseTo(Math.min(1, pi[0]! / q[0]!), 15);
    expect(acceptance(1)).toBeCloseTo(Math.min(1, pi[1]! / q[1]!), 15);
    expect(acceptance(4)).toBe(0);
    expect(acceptance(2)).toBe(0);
  });

  it('refuses a malformed correction with a coded error', () => {
    const good: Correction = buildCorrection(scoreOf(pFull, null, 2), null, 2, 5, null);
    const bad: (Correction & { top?: number })[] = [
      { ...good, ids: [], logprobs: [] },
      { ...good, logprobs: good.logprobs.slice(1) },
      { ...good, ids: [0, 0] },
      { ...good, ids: [0, 9] },
      { ...good, logprobs: [0.5, null] },
      { ...good, tail: Number.NaN },
      { ...good, tailSample: 1 },
      { ...good, top: 3 },
    ];
    for (const c of bad) {
      expect(() => fuseCorrection(c, q, s, 1)).toThrow(
        expect.objectContaining({ code: 'invalid_correction' }),
      );
    }
    expect(() => fuseCorrection(bad[0]!, q, s, 1)).toThrow(MathInputError);
  });
});

describe('the emitted law of the whole protocol (top-K, tail estimate, tail sample)', () => {
  const V = 40;
  const laws = (seed: number, peaked: boolean) => {
    const rng = rngStream(seed, 0, 'laws');
    const sharpen = (d: Float64Array) => (peaked ? temperDistribution(d, 0.25) : d);
    const p = sharpen(randomDistribution(rng, V));
    const s = sharpen(randomDistribution(rng, V));
    // q: s moved by private evidence on a few tokens (one of them far down p's ranking).
    const q = Float64Array.from(s, (v, y) => (y % 7 === 3 ? v * 6 : v));
    const total = q.reduce((a, b) => a + b);
    return { p, s, q: q.map((v) => v / total) };
  };

  it('is exactly p when the device has no private context (q = s), at any K and temperature', () => {
    for (const peaked of [false, true]) {
      const { p, s } = laws(11, peaked);
      for (const temperature of [1, 0.7, 1.5]) {
        const pT = temperDistribution(p, temperature);
        const sT = temperDistribution(s, temperature);
        for (const topK of [1, 3, 20, V]) {
          const { emitted, bonus } = protocolLaw({
            p: pT,
            q: sT,
            s: sT,
            alpha: 1,
            topK,
            tailSample: true,
          });
          expect(totalVariation(emitted, pT)).toBeLessThan(1e-12);
          expect(totalVariation(bonus, pT)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('moves towards π as K grows (mean over 20 laws), is π at K = vocabulary size, and the tail sample helps', () => {
    for (const peaked of [false, true]) {
      const Ks = [2, 5, 10, 20, 30, V];
      const mean = (tailSample: boolean) =>
        Ks.map((topK) => {
          let sum = 0;
          for (let seed = 0; seed < 20; seed++) {
            const { p, s, q } = laws(seed, peaked);
            const law = protocolLaw({ p, q, s, alpha: 1, topK, tailSample }).emitted;
            sum += totalVariation(law, fusionTarget(p, q, s, 1)) / 20;
          }
          return sum;
        });
      const withSample = mean(true);
      const estimateOnly = mean(false);
      console.log(
        `TV(emitted, π) by K ${Ks.join('/')} (${peaked ? 'peaked' : 'flat'} laws): ` +
          `tail sample ${withSample.map((e) => e.toFixed(4)).join(' ')}; estimate only ${estimateOnly.map((e) => e.toFixed(4)).join(' ')}`,
      );
      expect(withSample.at(-1)).toBeLessThan(1e-12);
      for (let i = 1; i < Ks.length; i++) {
        expect(withSample[i]!).toBeLessThanOrEqual(withSample[i - 1]! + 1e-12);
        expect(withSample[i]!).toBeLessThanOrEqual(estimateOnly[i]! + 1e-12);
      }
    }
  });

  it('is computed in O(V·K) with the same result as the direct O(V²) evaluation', () => {
    for (const [seed, alpha, topK, tailSample] of [
      [1, 1, 5, true],
      [2, 0.5, 12, true],
      [3, 2, 3, false],
      [4, 1, 30, false],
      [5, 0, 7, true],
    ] as const) {
      const { p, s, q } = laws(seed, seed % 2 === 0);
      const fast = protocolLaw({ p, q, s, alpha, topK, tailSample });
      const direct = protocolLawReference({ p, q, s, alpha, topK, tailSample });
      expect(totalVariation(fast.emitted, direct.emitted)).toBeLessThan(1e-12);
      expect(totalVariation(fast.bonus, direct.bonus)).toBeLessThan(1e-12);
    }
  });
});
