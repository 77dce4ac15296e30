import { describe, expect, it } from 'vitest';
import { buildCorrection, expandCorrection } from './correction.ts';
import { partialFromScore } from './partial.ts';
import { MathInputError } from './errors.ts';
import { scoreOf } from './testing/explicit-scores.ts';
import type { Correction } from './types.ts';

const p = [0.4, 0.3, 0.2, 0.1, 0];
const s = [0.1, 0.35, 0.45, 0.05, 0.05];

function correctionOf(topK: number, rejected: number | null): Correction {
  const target = partialFromScore(scoreOf(p, rejected, topK), rejected, topK, 5, 'target');
  const reference = partialFromScore(scoreOf(s, rejected, topK), rejected, topK, 5, 'reference');
  return buildCorrection(target, reference);
}

const probs = (logprobs: (number | null)[]) =>
  logprobs.map((lp) => (lp === null ? null : Number(Math.exp(lp).toFixed(12))));

describe('buildCorrection (server)', () => {
  it('carries every value exactly and empty tails at K = vocabulary size', () => {
    const c = correctionOf(5, null);
    expect(c.ids).toEqual([0, 1, 2, 3, 4]);
    expect(probs(c.targetLogprobs)).toEqual([0.4, 0.3, 0.2, 0.1, null]);
    expect(probs(c.referenceLogprobs)).toEqual([0.1, 0.35, 0.45, 0.05, 0.05]);
    expect(c.targetTail).toBeNull();
    expect(c.referenceTail).toBeNull();
  });

  it('takes the union of two different top-K id sets, null where a model did not report, and each tail', () => {
    const c = correctionOf(2, null);
    expect(c.ids).toEqual([0, 1, 2]);
    expect(probs(c.targetLogprobs)).toEqual([0.4, 0.3, null]);
    expect(probs(c.referenceLogprobs)).toEqual([null, 0.35, 0.45]);
    expect(Math.exp(c.targetTail!)).toBeCloseTo(0.3, 12);
    expect(Math.exp(c.referenceTail!)).toBeCloseTo(0.2, 12);
  });

  it('adds the rejected token with both models’ exact values', () => {
    const c = correctionOf(1, 3);
    expect(c.ids).toEqual([0, 3, 2]);
    expect(probs(c.targetLogprobs)).toEqual([0.4, 0.1, null]);
    expect(probs(c.referenceLogprobs)).toEqual([null, 0.05, 0.45]);
    expect(Math.exp(c.targetTail!)).toBeCloseTo(0.5, 12);
    expect(Math.exp(c.referenceTail!)).toBeCloseTo(0.5, 12);
  });
});

describe('expandCorrection (device)', () => {
  it('reproduces p and s exactly at K = vocabulary size', () => {
    const { p: pHat, s: sHat } = expandCorrection(
      correctionOf(5, null),
      Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]),
      null,
    );
    p.forEach((v, y) => expect(pHat[y]).toBeCloseTo(v, 15));
    s.forEach((v, y) => expect(sHat[y]).toBeCloseTo(v, 15));
  });

  it('shares the reference tail in proportion to q and the target tail in proportion to ŝ', () => {
    const q = Float64Array.from([0.1, 0.1, 0.1, 0.3, 0.4]);
    // topK 2: target reports {0, 1}, reference reports {1, 2}.
    const { p: pHat, s: sHat } = expandCorrection(correctionOf(2, null), q, null);
    // Reference tail 0.2 over {0, 3, 4} ∝ q = 0.1, 0.3, 0.4 (all under the cap 0.35).
    expect(sHat[0]).toBeCloseTo(0.025, 12);
    expect(sHat[3]).toBeCloseTo(0.075, 12);
    expect(sHat[4]).toBeCloseTo(0.1, 12);
    // Target tail 0.3 over {2, 3, 4} ∝ ŝ = 0.45, 0.075, 0.1, capped at the smallest top-K value 0.3.
    expect(pHat[2]).toBeCloseTo(Math.min(0.3, (0.3 * 0.45) / 0.625), 12);
    expect(pHat[3]).toBeCloseTo((0.3 * 0.075) / 0.625, 12);
    expect(pHat[4]).toBeCloseTo((0.3 * 0.1) / 0.625, 12);
  });

  it('caps an estimate at the smallest top-K value, ignoring the rejected token', () => {
    const c: Correction = {
      ids: [0, 1],
      targetLogprobs: [Math.log(0.3), Math.log(0.01)],
      referenceLogprobs: [Math.log(0.3), Math.log(0.01)],
      targetTail: Math.log(0.69),
      referenceTail: Math.log(0.69),
    };
    const q = Float64Array.from([0, 0, 1, 0]);
    const { s: sHat } = expandCorrection(c, q, 1);
    expect(sHat[2]).toBeCloseTo(0.3, 15);
  });

  it('splits a tail evenly when the weights give the unreported tokens no mass', () => {
    const c: Correction = {
      ids: [0],
      targetLogprobs: [Math.log(0.4)],
      referenceLogprobs: [Math.log(0.4)],
      targetTail: Math.log(0.6),
      referenceTail: Math.log(0.6),
    };
    const { s: sHat } = expandCorrection(c, Float64Array.from([1, 0, 0, 0]), null);
    expect(Array.from(sHat.slice(1)).map((v) => Number(v.toFixed(12)))).toEqual([0.2, 0.2, 0.2]);
  });

  it('reads null for the rejected token as exactly 0: both scorers always score it', () => {
    // p(4) = 0 travels as null; the device must not give it a share of the target tail.
    const c = correctionOf(2, 4);
    expect(c.targetLogprobs[c.ids.indexOf(4)]).toBeNull();
    const { p: pHat } = expandCorrection(c, Float64Array.from([0.1, 0.1, 0.1, 0.1, 0.6]), 4);
    expect(pHat[4]).toBe(0);
    expect(pHat[3]).toBeGreaterThan(0);
  });

  it('refuses a malformed correction with a coded error', () => {
    const good = correctionOf(2, null);
    const q = Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]);
    const bad: Correction[] = [
      { ...good, ids: [], targetLogprobs: [], referenceLogprobs: [] },
      { ...good, targetLogprobs: good.targetLogprobs.slice(1) },
      { ...good, ids: [0, 1, 1] },
      { ...good, ids: [0, 1, 9] },
      { ...good, targetLogprobs: [0.5, null, null] },
      { ...good, referenceTail: Number.NaN },
    ];
    for (const c of bad) {
      expect(() => expandCorrection(c, q, null)).toThrow(
        expect.objectContaining({ code: 'invalid_correction' }),
      );
    }
    expect(() => expandCorrection(bad[0]!, q, null)).toThrow(MathInputError);
  });
});
