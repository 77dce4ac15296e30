import { TokenBucket, type Clock } from './token-bucket.ts';

// Bytes of frames per client address and second. A frame is always read
// whole (ws has it already); past the budget the address's sockets stop
// reading until it refills, so TCP pushes back on the sender. This keeps a
// few sockets sending the largest frames back to back from taking all of the
// event loop (and /healthz with it): honest devices send drafts of ~100 bytes.

export class ByteBudgets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly now?: Clock,
  ) {}

  /** Charge `bytes` to `address`; how long its sockets should stop reading (0: not at all). */
  spend(address: string, bytes: number): number {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.bytesPerSecond, this.burstBytes, this.now);
      this.buckets.set(address, bucket);
      if (this.buckets.size > 10_000) {
        for (const [key, b] of this.buckets) if (b.isFull()) this.buckets.delete(key);
      }
    }
    return bucket.spend(bytes);
  }
}
