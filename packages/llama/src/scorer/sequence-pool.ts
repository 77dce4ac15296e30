import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

export interface SequencePoolOptions {
  /** Tokens one sequence can hold (prompt + output). */
  contextSize: number;
  /** Sequences per llama.cpp context: they are evaluated together in one batch. */
  sequencesPerContext: number;
  /** Most contexts created for this model; with `sequencesPerContext` it bounds memory. */
  maxContexts: number;
}

/** Something that borrows sequences: a scoring session. Identity only. */
export type SequenceHolder = object;

interface PooledSequence {
  sequence: LlamaContextSequence;
  /** The holder whose tokens the KV cache holds, if any. */
  holder: SequenceHolder | null;
  busy: boolean;
  lastUsed: number;
}

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
 * thread each (ENGINES.md: more threads are slower on 2 vCPUs).
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
    const pooled = await this.acquire(holder);
    try {
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

  private async acquire(holder: SequenceHolder): Promise<PooledSequence> {
    for (;;) {
      if (this.closed) throw new SequencePoolClosedError();
      const own = this.sequences.find((p) => p.holder === holder && !p.busy);
      const chosen = own ?? this.leastRecentlyUsedFree();
      if (chosen !== undefined) {
        chosen.busy = true;
        chosen.holder = holder;
        return chosen;
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

  /** Free sequences holding no one's tokens first, then the one idle longest. */
  private leastRecentlyUsedFree(): PooledSequence | undefined {
    let best: PooledSequence | undefined;
    for (const p of this.sequences) {
      if (p.busy) continue;
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
    });
    if (this.closed) {
      await context.dispose();
      return;
    }
    this.contexts.push(context);
    while (context.sequencesLeft > 0) {
      this.sequences.push({
        sequence: context.getSequence(),
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
