import type {
  CustomBatchingPrioritizationStrategy,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
} from 'node-llama-cpp';

export interface SequencePoolOptions {
  /** Tokens one sequence can hold (prompt + output). */
  contextSize: number;
  /** Sequences per llama.cpp context: they share its memory; each evaluation is its own batch (see below). */
  sequencesPerContext: number;
  /** Most contexts created for this model; with `sequencesPerContext` it bounds memory. */
  maxContexts: number;
}

/** Something that borrows sequences: a scoring session. Identity only. */
export type SequenceHolder = object;

interface PooledSequence {
  sequence: LlamaContextSequence;
  context: LlamaContext;
  /** The holder whose tokens the KV cache holds, if any. */
  holder: SequenceHolder | null;
  busy: boolean;
  lastUsed: number;
}

/**
 * Decode one sequence's evaluation per llama.cpp batch, never several
 * sequences together (node-llama-cpp's default "maximumParallelism" does).
 * Batching sequences of one context gave sessions wrong scores, two ways
 * (README, "Concurrent sessions"): with several sequences llama.cpp splits a
 * batch into equal-length per-sequence chunks, so a sequence's tokens are
 * decoded in pieces whose size depends on its neighbours, and the kernels
 * differ by piece size (up to 6e-4 in log-probability, measured); and the
 * outputs of such a batch come back out of order and are reordered lazily on
 * first read, which is not thread-safe while node-llama-cpp reads every
 * sequence's logits concurrently on the libuv pool — a session then gets
 * another session's distribution. One sequence per batch is decoded exactly
 * as it is alone, and its outputs are in order.
 */
const ONE_SEQUENCE_PER_BATCH: CustomBatchingPrioritizationStrategy = ({ items }) =>
  items.length === 0 ? [] : [{ item: items[0]!, processAmount: items[0]!.tokens.length }];

export class SequencePoolClosedError extends Error {
  constructor() {
    super('the llama.cpp backend is closed');
    this.name = 'SequencePoolClosedError';
  }
}

/**
 * A bounded set of KV-cache sequences of one model, lent per scoring call.
 * A session does not pin a sequence between rounds: it gets back the one that
 * holds its tokens when that is still there (KV reuse: only new tokens are
 * evaluated), else the least recently used free one (evicting another idle
 * session's cache, which then re-evaluates its sequence once). So any number
 * of sessions can be open with bounded memory; when every sequence is busy,
 * callers queue in arrival order. Contexts are created on demand with one
 * thread each (docs/design.md §5: more threads are slower on 2 vCPUs).
 */
export class SequencePool {
  private readonly sequences: PooledSequence[] = [];
  private readonly contexts: LlamaContext[] = [];
  private readonly waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private creatingContext: Promise<void> | null = null;
  private closed = false;
  private clock = 0;

  constructor(
    private readonly model: LlamaModel,
    readonly options: SequencePoolOptions,
  ) {}

  /** Sequences that exist now (created contexts × their sequences). */
  get size(): number {
    return this.sequences.length;
  }

  /** Calls waiting for a free sequence. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Run `use` with a sequence for `holder`, preferring the one that already holds its tokens. */
  async withSequence<T>(
    holder: SequenceHolder,
    use: (sequence: LlamaContextSequence) => Promise<T>,
  ): Promise<T> {
    const { pooled, inherited } = await this.acquire(holder);
    try {
      // Another session's tokens are never reused, not even a common prefix: a
      // prefix evaluated in another split of calls may differ in the last bits
      // (measured: 1e-4 in log-probability), and a session's scores must not
      // depend on who ran before it.
      if (inherited && pooled.sequence.nextTokenIndex > 0) await pooled.sequence.clearHistory();
      return await use(pooled.sequence);
    } catch (error) {
      // The cache may hold a half-evaluated suffix: forget whose it was, so no one trusts it.
      pooled.holder = null;
      await pooled.sequence.clearHistory().catch(() => undefined);
      throw error;
    } finally {
      pooled.busy = false;
      pooled.lastUsed = ++this.clock;
      this.waiting.shift()?.resolve();
    }
  }

  /** The holder is gone: its cache may be reused by anyone without counting as an eviction. */
  forget(holder: SequenceHolder): void {
    for (const pooled of this.sequences) if (pooled.holder === holder) pooled.holder = null;
  }

  private async acquire(
    holder: SequenceHolder,
  ): Promise<{ pooled: PooledSequence; inherited: boolean }> {
    for (;;) {
      if (this.closed) throw new SequencePoolClosedError();
      const own = this.sequences.find((p) => p.holder === holder && !p.busy);
      const chosen = own ?? this.leastRecentlyUsedFree();
      if (chosen !== undefined) {
        chosen.busy = true;
        chosen.holder = holder;
        return { pooled: chosen, inherited: chosen !== own };
      }
      if (this.contexts.length < this.options.maxContexts || this.creatingContext !== null) {
        this.creatingContext ??= this.addContext().finally(() => {
          this.creatingContext = null;
        });
        await this.creatingContext;
        continue;
      }
      await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
  }

  /**
   * A free sequence for a holder whose cache is gone: on a context with nothing
   * in flight while one exists (contexts evaluate in parallel, a context's
   * sequences one after another: see ONE_SEQUENCE_PER_BATCH); else a new
   * context while the pool may grow; else, among the free, one holding no one's
   * tokens first, then the one idle longest.
   */
  private leastRecentlyUsedFree(): PooledSequence | undefined {
    const busyContexts = new Set(this.sequences.filter((p) => p.busy).map((p) => p.context));
    const free = this.sequences.filter((p) => !p.busy);
    const onIdleContexts = free.filter((p) => !busyContexts.has(p.context));
    if (onIdleContexts.length === 0 && this.contexts.length < this.options.maxContexts) {
      return undefined;
    }
    let best: PooledSequence | undefined;
    for (const p of onIdleContexts.length > 0 ? onIdleContexts : free) {
      if (
        best === undefined ||
        (best.holder !== null && p.holder === null) ||
        ((best.holder === null) === (p.holder === null) && p.lastUsed < best.lastUsed)
      ) {
        best = p;
      }
    }
    return best;
  }

  private async addContext(): Promise<void> {
    const context = await this.model.createContext({
      contextSize: this.options.contextSize,
      sequences: this.options.sequencesPerContext,
      threads: 1,
      // An evaluation may be a whole prompt: batch it in one go up to the sequence length.
      batchSize: this.options.contextSize,
      batching: { itemPrioritizationStrategy: ONE_SEQUENCE_PER_BATCH },
    });
    if (this.closed) {
      await context.dispose();
      return;
    }
    this.contexts.push(context);
    while (context.sequencesLeft > 0) {
      this.sequences.push({
        sequence: context.getSequence(),
        context,
        holder: null,
        busy: false,
        lastUsed: 0,
      });
    }
    // Everyone queued may now find a free sequence.
    for (const waiter of this.waiting.splice(0)) waiter.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new SequencePoolClosedError());
    await this.creatingContext?.catch(() => undefined);
    await Promise.all(this.contexts.splice(0).map((c) => c.dispose()));
    this.sequences.length = 0;
  }
}
