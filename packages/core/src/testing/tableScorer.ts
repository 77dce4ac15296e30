// A Scorer over an explicit table (tests and benchmarks): the model's
// distribution after any public context is `table(context)`, reported in full
// (tempered exactly, with tail samples) like the llama.cpp backend.

import type { PositionScore, Scorer, ScoreOptions, ScoringSession, TokenId } from '../engine.ts';
import { scoreFromDistribution, topIndices } from '../math/position-score.ts';
import { ProbabilityTableError, lookUp, type ProbabilityTable } from './probabilityTable.ts';

export { topIndices };

export class TableScorer implements Scorer {
  readonly vocabSize: number;
  private readonly table: ProbabilityTable;
  /** Sessions opened and not yet closed (tests check nothing leaks). */
  openSessions = 0;
  /** Positions scored so far, over all sessions. */
  positionsScored = 0;

  constructor(options: { vocabSize: number; table: ProbabilityTable }) {
    this.vocabSize = options.vocabSize;
    this.table = options.table;
  }

  async openSession(): Promise<ScoringSession> {
    this.openSessions++;
    let closed = false;
    const session: ScoringSession = {
      score: async (tokens, from, options) => {
        if (closed) throw new ProbabilityTableError('score called on a closed scoring session');
        return this.score(tokens, from, options);
      },
      close: async () => {
        if (!closed) {
          closed = true;
          this.openSessions--;
        }
      },
    };
    return session;
  }

  private score(tokens: readonly TokenId[], from: number, options: ScoreOptions): PositionScore[] {
    if (!Number.isInteger(from) || from < 1 || from > tokens.length) {
      throw new ProbabilityTableError(
        `score from position ${from} of a ${tokens.length}-token sequence; expected 1 ≤ from ≤ length`,
      );
    }
    const scores: PositionScore[] = [];
    for (let j = from; j <= tokens.length; j++) {
      const probs = lookUp(this.table, tokens.slice(0, j), this.vocabSize);
      this.positionsScored++;
      scores.push(scoreFromDistribution(probs, tokens[j], options));
    }
    return scores;
  }
}
