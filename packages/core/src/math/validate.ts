// Checks at the edge of the math: every public function rejects malformed
// input with a MathInputError that names the field, instead of returning NaN.

import { MathInputError } from './errors.ts';

/** How far a distribution's sum may drift from 1 (float32 logits summed over 150k tokens). */
const SUM_TOLERANCE = 1e-3;

export function assertVocabSize(vocabSize: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new MathInputError(
      'invalid_scores',
      `vocabSize must be a positive integer, got ${vocabSize}`,
    );
  }
}

export function assertTokenId(id: number, vocabSize: number, field: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new MathInputError(
      'invalid_draft',
      `${field} must be a token id in [0, ${vocabSize}), got ${id}`,
    );
  }
}

/** Entries finite and ≥ 0; when `normalized`, they also sum to 1 within SUM_TOLERANCE. */
export function assertWeights(values: ArrayLike<number>, field: string, normalized: boolean): void {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0) || v === Infinity) {
      throw new MathInputError(
        'invalid_distribution',
        `${field}[${i}] must be finite and ≥ 0, got ${v}`,
      );
    }
    sum += v;
  }
  if (normalized && Math.abs(sum - 1) > SUM_TOLERANCE) {
    throw new MathInputError('invalid_distribution', `${field} must sum to 1, sums to ${sum}`);
  }
}

export function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>, names: string): void {
  if (a.length !== b.length) {
    throw new MathInputError(
      'invalid_distribution',
      `${names} must have the same length, got ${a.length} and ${b.length}`,
    );
  }
}

/** A natural-log probability: finite or -Infinity, and not above 0 beyond rounding. */
export function assertLogprob(
  value: number,
  field: string,
  code: 'invalid_scores' | 'invalid_correction',
): void {
  if (Number.isNaN(value) || value === Infinity || value > 1e-6) {
    throw new MathInputError(code, `${field} must be a log-probability (≤ 0), got ${value}`);
  }
}
