// A Drafter over explicit tables (tests and benchmarks): q after the device
// context is `table(context)`, s after the public context is
// `reference(context)` (the same table unless given), so the loop runs with
// known q and s.

import {
  isPublicOnly,
  type DraftBlock,
  type DraftContext,
  type Distribution,
  type Drafter,
  type TokenId,
} from '../engine.ts';
import { ProbabilityTableError, lookUp, type ProbabilityTable } from './probabilityTable.ts';

export interface TableDrafterOptions {
  vocabSize: number;
  /** q: the small model on the device context. */
  table: ProbabilityTable;
  /** s: the small model on the public context (default: `table`, as with a real model). */
  reference?: ProbabilityTable;
  /** Tokens the device context holds (default: unbounded). */
  contextSize?: number;
}

export class TableDrafter implements Drafter {
  readonly vocabSize: number;
  private readonly table: ProbabilityTable;
  private readonly reference: ProbabilityTable;
  private readonly contextSize: number;
  private context: DraftContext | null = null;
  private committed: TokenId[] = [];
  /** Distributions looked up so far: what a real engine would spend decoding on. */
  evaluations = 0;
  disposed = false;

  constructor(options: TableDrafterOptions) {
    this.vocabSize = options.vocabSize;
    this.table = options.table;
    this.reference = options.reference ?? options.table;
    this.contextSize = options.contextSize ?? Infinity;
  }

  async begin(context: DraftContext): Promise<void> {
    this.ensureUsable();
    if (context.device.length > this.contextSize) {
      throw new RangeError(
        `the device context is ${context.device.length} tokens; the drafter's context holds ${this.contextSize}`,
      );
    }
    this.context = { device: [...context.device], public: [...context.public] };
    this.committed = [];
  }

  room(outputLength: number): number {
    const { device } = this.started();
    return Math.max(0, this.contextSize - device.length - outputLength);
  }

  async draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock> {
    const context = this.started();
    if (!Number.isInteger(n) || n < 0) {
      throw new ProbabilityTableError(`draft length is ${n}; expected an integer ≥ 0`);
    }
    // Each drafted token needs room in the context for the position after it.
    const limit = Math.min(n, Math.max(0, this.room(this.committed.length) - 1));
    const sequence = [...context.device, ...this.committed];
    const tokens: TokenId[] = [];
    const distributions: Distribution[] = [];
    for (;;) {
      const q = this.look(this.table, sequence);
      distributions.push(q);
      if (tokens.length === limit) break;
      const token = choose(q);
      tokens.push(token);
      sequence.push(token);
      if (isStop(token)) {
        // The interface promises q after the last draft token too.
        distributions.push(this.look(this.table, sequence));
        break;
      }
    }
    const samePrefix = this.reference === this.table && isPublicOnly(context);
    const publicPrefix = [...context.public, ...this.committed];
    const references = samePrefix
      ? distributions
      : distributions.map((_, i) =>
          this.look(this.reference, [...publicPrefix, ...tokens.slice(0, i)]),
        );
    return { tokens, distributions, references };
  }

  async commit(tokens: readonly TokenId[]): Promise<void> {
    this.started();
    this.committed = [...tokens];
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  /** The committed output so far (for tests). */
  get committedTokens(): readonly TokenId[] {
    return this.committed;
  }

  private look(table: ProbabilityTable, sequence: readonly TokenId[]): Distribution {
    this.evaluations++;
    return lookUp(table, sequence, this.vocabSize);
  }

  private started(): DraftContext {
    this.ensureUsable();
    if (this.context === null) {
      throw new ProbabilityTableError('draft/commit called before begin(context)');
    }
    return this.context;
  }

  private ensureUsable(): void {
    if (this.disposed) throw new ProbabilityTableError('the drafter was disposed');
  }
}
