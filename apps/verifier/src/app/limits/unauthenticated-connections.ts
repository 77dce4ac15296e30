// Connections that have not completed hello yet hold a slot without having
// shown a key. Bounded per client address and in all, so that sockets without
// a key cannot take every slot from devices that have one (a key on the
// upgrade request counts as authenticated and is never held back here).

export type UnauthenticatedRefusal = 'per-address' | 'overall';

export class UnauthenticatedConnections {
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perAddress: number,
    private readonly overall: number,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Why one more from `address` may not come in, or null when it may. */
  refusal(address: string): UnauthenticatedRefusal | null {
    if ((this.byAddress.get(address) ?? 0) >= this.perAddress) return 'per-address';
    if (this.total >= this.overall) return 'overall';
    return null;
  }

  /** Count one from `address`; the returned release (idempotent) uncounts it. */
  add(address: string): () => void {
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    };
  }
}
