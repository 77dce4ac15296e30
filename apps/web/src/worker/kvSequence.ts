// One KV-cache sequence of a causal model, engine-independent: `moveTo`
// makes the cache hold exactly the given tokens by keeping the prefix that
// still matches, removing the rest and decoding only the new suffix — the
// cost of a round is the drafted tokens plus the recovered one, never a
// re-prefill of the whole context.

import type { Distribution, TokenId } from '@specsteer/core';

/** What an engine must offer (wllama's low-level API, WebLLM's runtime, a fake in tests). */
export interface KvModel {
  readonly vocabSize: number;
  readonly contextSize: number;
  /** Append tokens to the cache (one forward pass). */
  decode(tokens: readonly TokenId[]): Promise<void>;
  /** The full next-token distribution after the last decoded token. */
  lastDistribution(): Promise<Distribution>;
  /** Keep the first `length` cached tokens, drop the rest. */
  truncate(length: number): Promise<void>;
}

export class ContextFullError extends Error {
  readonly code = 'CONTEXT_FULL' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ContextFullError';
  }
}

export class KvSequence {
  private cached: TokenId[] = [];
  /** q after the first `length` cached tokens, while that prefix is unchanged. */
  private readonly nextByLength = new Map<number, Distribution>();
  /** Tokens decoded so far (prefill included), for the stats. */
  evaluated = 0;
  /** Time spent in the engine's decode + logits calls (ms): the engine's own speed, no messaging. */
  engineMs = 0;

  constructor(readonly model: KvModel) {}

  get tokens(): readonly TokenId[] {
    return this.cached;
  }

  async moveTo(target: readonly TokenId[]): Promise<Distribution> {
    if (target.length === 0) throw new RangeError('a sequence needs at least one token');
    if (target.length > this.model.contextSize) {
      throw new ContextFullError(
        `${target.length} tokens do not fit the drafter's context of ${this.model.contextSize}; shorten the history or the answer`,
      );
    }
    let shared = 0;
    while (
      shared < this.cached.length &&
      shared < target.length &&
      this.cached[shared] === target[shared]
    ) {
      shared++;
    }
    const known = this.nextByLength.get(target.length);
    if (shared === target.length && known !== undefined) {
      await this.drop(shared);
      return known;
    }
    // The distribution after the last token needs that token decoded now.
    const keep = Math.min(shared, target.length - 1);
    await this.drop(keep);
    const suffix = target.slice(keep);
    const started = performance.now();
    await this.model.decode(suffix);
    this.evaluated += suffix.length;
    this.cached = [...target];
    const q = await this.model.lastDistribution();
    this.engineMs += performance.now() - started;
    this.nextByLength.set(target.length, q);
    return q;
  }

  /** Distributions after each of `target`'s last `count` prefixes, decoding token by token. */
  async scoreTail(target: readonly TokenId[], count: number): Promise<Distribution[]> {
    const out: Distribution[] = [];
    for (let length = target.length - count + 1; length <= target.length; length++) {
      out.push(await this.moveTo(target.slice(0, length)));
    }
    return out;
  }

  async reset(): Promise<void> {
    await this.drop(0);
  }

  private async drop(keep: number): Promise<void> {
    if (this.cached.length > keep) {
      await this.model.truncate(keep);
      this.cached.length = keep;
    }
    for (const length of this.nextByLength.keys())
      if (length > keep) this.nextByLength.delete(length);
  }
}
