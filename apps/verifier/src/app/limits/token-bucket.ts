// A token bucket: `burst` rounds may arrive at once, then `ratePerSecond`
// refill continuously. Time comes from an injected clock so tests are exact.

export type Clock = () => number; // milliseconds

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: Clock = () => performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Take one token if there is one; otherwise report how long until there is. */
  take(): { allowed: true } | { allowed: false; retryAfterMs: number } {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterMs: Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000),
    };
  }

  /**
   * Take `amount` whatever is left (the bucket may go into debt); the time
   * until it is out of debt again, 0 when it is not in debt.
   */
  spend(amount: number): number {
    this.refill();
    this.tokens -= amount;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  /** True when the bucket is full again, so a registry may forget it. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond,
    );
    this.updatedAt = now;
  }
}
