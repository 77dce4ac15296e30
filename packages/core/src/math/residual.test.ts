import { describe, expect, it } from 'vitest';
import { steeringResidual } from './residual.ts';
import { MathInputError } from './errors.ts';

describe('steeringResidual: R ∝ max(0, π − q·a)', () => {
  it('keeps only the mass π has beyond what acceptance already emits, normalized', () => {
    const pi = [0.5, 0.3, 0.2];
    const q = [0.6, 0.2, 0.2];
    const a = [0.5, 1, 0.5];
    // π − q·a = [0.2, 0.1, 0.1]
    const r = steeringResidual(pi, q, a);
    expect(Array.from(r).map((v) => Number(v.toFixed(12)))).toEqual([0.5, 0.25, 0.25]);
  });

  it('clips tokens that acceptance over-emits to zero', () => {
    const r = steeringResidual([0.2, 0.8], [0.9, 0.1], [0.5, 1]);
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo(1, 15);
  });

  it('falls back to π when the residual has no mass (π = q·a everywhere: nothing is ever rejected)', () => {
    const pi = [0.25, 0.75];
    expect(Array.from(steeringResidual(pi, pi, [1, 1]))).toEqual(pi);
  });

  it('refuses arrays of different lengths or negative entries', () => {
    expect(() => steeringResidual([0.5, 0.5], [1], [1, 1])).toThrow(MathInputError);
    expect(() => steeringResidual([0.5, 0.5], [1.5, -0.5], [1, 1])).toThrow(MathInputError);
  });
});
