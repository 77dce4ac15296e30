import type { ApiKey } from '../../config/schema.ts';
import { TokenBucket, type Clock } from './token-bucket.ts';

// Per-caller round budgets. A caller is an API key (all connections with that
// key share one bucket, so opening more sockets does not buy more rounds) or,
// on an open server, the remote address.

export class RoundRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly defaults: { roundsPerSecond: number; burst: number },
    private readonly now?: Clock,
  ) {}

  take(caller: string, key?: ApiKey): ReturnType<TokenBucket['take']> {
    let bucket = this.buckets.get(caller);
    if (bucket === undefined) {
      bucket = new TokenBucket(
        key?.roundsPerSecond ?? this.defaults.roundsPerSecond,
        key?.burst ?? this.defaults.burst,
        this.now,
      );
      this.buckets.set(caller, bucket);
      // Forget full buckets now and then so that many one-off callers cannot grow the map without bound.
      if (this.buckets.size > 10_000) this.sweep();
    }
    return bucket.take();
  }

  private sweep(): void {
    for (const [caller, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(caller);
  }
}
