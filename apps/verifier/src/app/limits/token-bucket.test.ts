import { describe, expect, it } from 'vitest';
import { ByteBudgets } from './byte-budget.ts';
import { RoundRateLimiter } from './round-rate-limiter.ts';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows a burst, then refuses until the rate refills one token', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()].every((r) => r.allowed)).toBe(true);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterMs: 500 });
    now = 499;
    expect(bucket.take().allowed).toBe(false);
    now = 1000;
    expect(bucket.take().allowed).toBe(true);
  });

  it('never holds more than the burst after a long idle time', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    now = 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()].map((r) => r.allowed)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('keeps one budget per caller and applies per-key limits', () => {
    const now = 0;
    const limiter = new RoundRateLimiter({ roundsPerSecond: 1, burst: 1 }, () => now);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    const generous = { key: 'generous-key-0123456789', burst: 3 };
    expect([1, 2, 3, 4].map(() => limiter.take('key:generous', generous).allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('byte budgets: an address past its burst waits as long as its debt takes to refill, others do not', () => {
    let now = 0;
    const budgets = new ByteBudgets(1_000, 2_000, () => now);
    expect(budgets.spend('a', 1_500)).toBe(0);
    expect(budgets.spend('a', 1_500)).toBe(1_000); // 1,000 bytes in debt at 1,000 bytes/s
    expect(budgets.spend('b', 1_500)).toBe(0);
    now = 1_000;
    expect(budgets.spend('a', 0)).toBe(0);
  });
});
