import { describe, expect, it } from 'vitest';
import {
  adaptiveDraftLength,
  bestDraftLength,
  expectedCommitted,
  type RoundObservation,
} from './adaptiveDraft.ts';

/** n identical rounds of k drafted, `accepted` kept, with the given timings. */
function rounds(n: number, round: RoundObservation): RoundObservation[] {
  return Array.from({ length: n }, () => round);
}

describe('adaptive draft length', () => {
  it('expects 1 + a + … + a^k tokens from a round of k draft tokens', () => {
    expect(expectedCommitted(0, 0.5)).toBeCloseTo(1);
    expect(expectedCommitted(3, 0.5)).toBeCloseTo(1 + 0.5 + 0.25 + 0.125);
    expect(expectedCommitted(4, 1)).toBe(5);
  });

  it('drafts longer when round trips cost more, shorter when acceptance is low', () => {
    const base = { acceptance: 0.8, kMax: 16, draftMsPerToken: 2 };
    const fast = bestDraftLength({ ...base, fixedMs: 1 });
    const slow = bestDraftLength({ ...base, fixedMs: 200 });
    expect(slow).toBeGreaterThan(fast);
    expect(bestDraftLength({ ...base, acceptance: 0.2, fixedMs: 200 })).toBeLessThan(slow);
    // Free drafting and certain acceptance: draft all that is allowed.
    expect(bestDraftLength({ acceptance: 0.999, kMax: 12, draftMsPerToken: 0, fixedMs: 50 })).toBe(
      12,
    );
  });

  it('starts at the maximum, then follows the measured acceptance and round trip', () => {
    const policy = adaptiveDraftLength();
    const state = { round: 0, maxDraftTokens: 12, handshakeMs: 40 };
    expect(policy({ ...state, rounds: [] })).toBe(12);
    const timing = { draftMs: 16, recoverMs: 0.1 };
    const goodSlow = policy({
      ...state,
      rounds: rounds(20, { drafted: 8, accepted: 8, exchangeMs: 200, ...timing }),
    });
    const goodFast = policy({
      ...state,
      rounds: rounds(20, { drafted: 8, accepted: 8, exchangeMs: 1, ...timing }),
    });
    const poorSlow = policy({
      ...state,
      rounds: rounds(20, { drafted: 8, accepted: 0, exchangeMs: 200, ...timing }),
    });
    expect(goodSlow).toBe(12);
    expect(goodFast).toBeLessThan(goodSlow);
    expect(poorSlow).toBeLessThan(goodSlow);
    expect(poorSlow).toBeGreaterThanOrEqual(1);
  });

  it('refuses settings outside their range', () => {
    expect(() => adaptiveDraftLength({ decay: 0 })).toThrow(RangeError);
    expect(() => adaptiveDraftLength({ priorAcceptance: 1 })).toThrow(RangeError);
  });
});
