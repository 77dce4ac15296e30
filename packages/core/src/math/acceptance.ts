// The ratio test of docs/design.md §2 "Verify": it needs only the cloud's p and s
// of a drafted token, never q, so the server can run it on public data.

import { MathInputError } from './errors.ts';

function assertProbability(value: number, field: string): void {
  if (!(value >= 0 && value <= 1 + 1e-9)) {
    throw new MathInputError(
      'invalid_distribution',
      `${field} must be a probability in [0, 1], got ${value}`,
    );
  }
}

/**
 * a = min(1, p/(s·c)). Conventions for zeros: p = 0 gives 0 (the cloud puts
 * no mass there, π(y) = 0 too); s = 0 with p > 0 gives 1 (an infinite ratio).
 */
export function acceptProbability(pTok: number, sTok: number, leniency: number): number {
  assertProbability(pTok, 'pTok');
  assertProbability(sTok, 'sTok');
  if (!(leniency > 0) || leniency === Infinity) {
    throw new MathInputError(
      'invalid_sampling',
      `leniency must be finite and > 0, got ${leniency}`,
    );
  }
  if (pTok === 0) return 0;
  if (sTok === 0) return 1;
  return Math.min(1, pTok / (sTok * leniency));
}

/** Sampled mode: accept iff u < a, so P(accept) = a exactly for u uniform in [0, 1). */
export function ratioTestSampled(acceptance: number, u: number): boolean {
  if (!(u >= 0 && u < 1)) {
    throw new MathInputError(
      'invalid_sampling',
      `uniform() must return a number in [0, 1), got ${u}`,
    );
  }
  return u < acceptance;
}

/**
 * Greedy mode (temperature 0): accept iff p/s ≥ τ, with the same zero
 * conventions as acceptProbability (p = 0 rejects, s = 0 < p accepts).
 */
export function ratioTestGreedy(pTok: number, sTok: number, tau: number): boolean {
  assertProbability(pTok, 'pTok');
  assertProbability(sTok, 'sTok');
  if (!(tau > 0) || tau === Infinity) {
    throw new MathInputError('invalid_sampling', `tau must be finite and > 0, got ${tau}`);
  }
  if (pTok === 0) return false;
  if (sTok === 0) return true;
  return pTok / sTok >= tau;
}
