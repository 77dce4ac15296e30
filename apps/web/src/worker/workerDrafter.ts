// core's Drafter on the page, backed by the worker: the page chooses each
// draft token (the session's RNG lives with the session loop) and the worker
// returns q after it; s for the whole draft comes in one request.

import type { DraftBlock, DraftContext, Distribution, Drafter, TokenId } from '@specsteer/core';
import type { WorkerClient } from './workerClient.ts';

export class WorkerDrafter implements Drafter {
  private committed: TokenId[] = [];
  /** Draft tokens and round trips, for the stats. */
  draftedTokens = 0;
  draftMs = 0;
  /** Tokens the worker has decoded since load (both sequences), after the last draft. */
  evaluated = 0;
  /** The worker's engine time since load (ms), after the last draft. */
  engineMs = 0;

  constructor(
    private readonly client: WorkerClient,
    readonly vocabSize: number,
    private context: DraftContext | null = null,
    /** Tokens the worker's model context holds. */
    private readonly contextSize = Infinity,
  ) {}

  /** Output tokens the device context can still take after `outputLength` committed ones. */
  room(outputLength: number): number {
    const used = Math.max(this.context?.device.length ?? 0, this.context?.public.length ?? 0);
    return Math.max(0, this.contextSize - used - outputLength);
  }

  async begin(context: DraftContext): Promise<void> {
    this.context = context;
    this.committed = [];
    await this.client.request({
      kind: 'begin',
      device: [...context.device],
      public: [...context.public],
    });
  }

  async draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock> {
    const started = performance.now();
    let { q } = await this.client.request({ kind: 'draftStart', committed: this.committed });
    const tokens: TokenId[] = [];
    const distributions: Distribution[] = [q];
    // Each drafted token is decoded to get q after it: stop where the context is full.
    const limit = Math.min(n, this.room(this.committed.length));
    for (let i = 0; i < limit; i++) {
      const y = choose(q);
      tokens.push(y);
      ({ q } = await this.client.request({ kind: 'step', token: y }));
      distributions.push(q);
      if (isStop(y)) break;
    }
    const { s, evaluated, engineMs } = await this.client.request({
      kind: 'references',
      committed: this.committed,
      tokens,
    });
    this.evaluated = evaluated;
    this.engineMs = engineMs;
    this.draftedTokens += tokens.length;
    this.draftMs += performance.now() - started;
    return { tokens, distributions, references: s ?? distributions };
  }

  async commit(tokens: readonly TokenId[]): Promise<void> {
    this.committed = [...tokens];
  }

  async dispose(): Promise<void> {
    // The worker and its models outlive one answer; the app disposes them on unload.
  }
}
