// An ordered mailbox: producers push, one consumer awaits `next()`. Closing
// wakes a waiting consumer with the close reason, so a loop blocked on the
// network notices a dropped connection instead of hanging.

export class MessageQueue<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (item: T) => void; reject: (error: unknown) => void } | null = null;
  private closedWith: Error | null = null;

  get closed(): boolean {
    return this.closedWith !== null;
  }

  push(item: T): void {
    if (this.closedWith !== null) return;
    if (this.waiting !== null) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(item);
    } else {
      this.items.push(item);
    }
  }

  /** The next item in push order; rejects with the close error once closed and drained. */
  next(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.closedWith !== null) return Promise.reject(this.closedWith);
    if (this.waiting !== null) {
      return Promise.reject(new Error('MessageQueue has one consumer; next() is already waiting'));
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Items already pushed stay readable; after them `next()` rejects with `error`. */
  close(error: Error): void {
    if (this.closedWith !== null) return;
    this.closedWith = error;
    if (this.waiting !== null) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(error);
    }
  }
}
