import { describe, expect, it } from 'vitest';
import { acceptProbability, ratioTestGreedy, ratioTestSampled } from './acceptance.ts';
import { MathInputError } from './errors.ts';

describe('acceptProbability: a = min(1, p/(s·c))', () => {
  it('is the ratio divided by the leniency, capped at 1', () => {
    expect(acceptProbability(0.2, 0.4, 1)).toBeCloseTo(0.5, 15);
    expect(acceptProbability(0.2, 0.4, 2)).toBeCloseTo(0.25, 15);
    expect(acceptProbability(0.6, 0.3, 1)).toBe(1);
    expect(acceptProbability(0.6, 0.3, 4)).toBeCloseTo(0.5, 15);
  });

  it('never accepts a token the cloud gives no mass, and always accepts one the reference rules out', () => {
    expect(acceptProbability(0, 0.3, 1)).toBe(0);
    expect(acceptProbability(0, 0, 1)).toBe(0);
    expect(acceptProbability(0.1, 0, 1)).toBe(1);
  });

  it('refuses probabilities outside [0, 1] and a leniency that is not positive', () => {
    expect(() => acceptProbability(-0.1, 0.3, 1)).toThrow(MathInputError);
    expect(() => acceptProbability(0.1, 1.5, 1)).toThrow(MathInputError);
    expect(() => acceptProbability(Number.NaN, 0.3, 1)).toThrow(MathInputError);
    expect(() => acceptProbability(0.1, 0.3, 0)).toThrow(MathInputError);
  });
});

describe('ratio test', () => {
  it('accepts in sampled mode exactly when u < a', () => {
    expect(ratioTestSampled(0.5, 0.4999)).toBe(true);
    expect(ratioTestSampled(0.5, 0.5)).toBe(false);
    expect(ratioTestSampled(1, 0.999999)).toBe(true);
    expect(ratioTestSampled(0, 0)).toBe(false);
    expect(() => ratioTestSampled(0.5, 1)).toThrow(MathInputError);
  });

  it('accepts in greedy mode exactly when p/s ≥ τ', () => {
    expect(ratioTestGreedy(0.3, 0.3, 1)).toBe(true);
    expect(ratioTestGreedy(0.29, 0.3, 1)).toBe(false);
    expect(ratioTestGreedy(0.15, 0.3, 0.5)).toBe(true);
    expect(ratioTestGreedy(0.5, 0.3, 2)).toBe(false);
    expect(ratioTestGreedy(0, 0, 1)).toBe(false);
    expect(ratioTestGreedy(0.01, 0, 100)).toBe(true);
    expect(() => ratioTestGreedy(0.5, 0.3, 0)).toThrow(MathInputError);
  });
});
