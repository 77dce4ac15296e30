// A Drafter over an explicit table (tests and benchmarks): q after any context
// is `table(context)`, so the loop runs with a known q.

import type { DraftBlock, Distribution, Drafter, TokenId } from '../engine.ts';
import { ProbabilityTableError, lookUp, type ProbabilityTable } from './probabilityTable.ts';

export class TableDrafter implements Drafter {
  readonly vocabSize: number;
  private readonly table: ProbabilityTable;
  private context: TokenId[] | null = null;
  private committed: TokenId[] = [];
  /** Distributions looked up so far: what a real engine would spend decoding on. */
  evaluations = 0;
  disposed = false;

  constructor(options: { vocabSize: number; table: ProbabilityTable }) {
    this.vocabSize = options.vocabSize;
    this.table = options.table;
  }

  async begin(contextTokens: readonly TokenId[]): Promise<void> {
    this.ensureUsable();
    this.context = [...contextTokens];
    this.committed = [];
  }

  async draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock> {
    const prefix = this.started();
    if (!Number.isInteger(n) || n < 0) {
      throw new ProbabilityTableError(`draft length is ${n}; expected an integer ≥ 0`);
    }
    const sequence = [...prefix, ...this.committed];
    const tokens: TokenId[] = [];
    const distributions: Distribution[] = [];
    for (;;) {
      const q = this.q(sequence);
      distributions.push(q);
      if (tokens.length === n) break;
      const token = choose(q);
      tokens.push(token);
      sequence.push(token);
      if (isStop(token)) {
        // The interface promises q after the last draft token too.
        distributions.push(this.q(sequence));
        break;
      }
    }
    return { tokens, distributions };
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

  private q(sequence: readonly TokenId[]): Distribution {
    this.evaluations++;
    return lookUp(this.table, sequence, this.vocabSize);
  }

  private started(): TokenId[] {
    this.ensureUsable();
    if (this.context === null) {
      throw new ProbabilityTableError('draft/commit called before begin(contextTokens)');
    }
    return this.context;
  }

  private ensureUsable(): void {
    if (this.disposed) throw new ProbabilityTableError('the drafter was disposed');
  }
}
