import { describe, expect, it } from 'vitest';
import { argmax, sampleCategorical } from './categorical.ts';
import { MathInputError } from './errors.ts';

describe('sampleCategorical', () => {
  it('inverts the cumulative weights at u·Σ', () => {
    const w = [1, 0, 2, 1];
    expect(sampleCategorical(w, 0)).toBe(0);
    expect(sampleCategorical(w, 0.2499)).toBe(0);
    expect(sampleCategorical(w, 0.25)).toBe(2);
    expect(sampleCategorical(w, 0.7499)).toBe(2);
    expect(sampleCategorical(w, 0.75)).toBe(3);
    expect(sampleCategorical(w, 0.999999999)).toBe(3);
  });

  it('never returns a zero-weight index, even when rounding overshoots', () => {
    expect(sampleCategorical([0.1, 0.2, 0.7, 0, 0], 1 - 2 ** -53)).toBe(2);
  });

  it('refuses u outside [0, 1) and weights with no mass', () => {
    expect(() => sampleCategorical([1], 1)).toThrow(MathInputError);
    expect(() => sampleCategorical([0, 0], 0.5)).toThrow(MathInputError);
    expect(() => sampleCategorical([1, Number.NaN], 0.5)).toThrow(MathInputError);
  });
});

describe('argmax', () => {
  it('takes the largest weight, the earliest candidate on ties', () => {
    expect(argmax([0.1, 0.4, 0.4, 0.1])).toBe(1);
    expect(argmax([0.1, 0.4, 0.4, 0.1], [3, 2, 1])).toBe(2);
  });

  it('never breaks a tie toward the avoided index, but returns it when it alone is largest', () => {
    expect(argmax([0.4, 0.4, 0.2], undefined, 0)).toBe(1);
    expect(argmax([0.5, 0.4, 0.1], undefined, 0)).toBe(0);
  });
});
