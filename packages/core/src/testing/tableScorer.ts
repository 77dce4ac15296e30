// A Scorer over an explicit table (tests and benchmarks): the model's
// distribution after any public context is `table(context)`.

import type { PositionScore, Scorer, ScoringSession, TokenId } from '../engine.ts';
import { ProbabilityTableError, lookUp, type ProbabilityTable } from './probabilityTable.ts';

/** Indices of the `k` largest entries, highest first (ties by lower id). */
export function topIndices(probs: ArrayLike<number>, k: number): number[] {
  const ids = Array.from({ length: probs.length }, (_, i) => i);
  ids.sort((a, b) => probs[b]! - probs[a]! || a - b);
  return ids.slice(0, Math.max(0, Math.min(k, probs.length)));
}

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
      score: async (tokens, from, topK) => {
        if (closed) throw new ProbabilityTableError('score called on a closed scoring session');
        return this.score(tokens, from, topK);
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

  private score(tokens: readonly TokenId[], from: number, topK: number): PositionScore[] {
    if (!Number.isInteger(from) || from < 1 || from > tokens.length) {
      throw new ProbabilityTableError(
        `score from position ${from} of a ${tokens.length}-token sequence; expected 1 ≤ from ≤ length`,
      );
    }
    const scores: PositionScore[] = [];
    for (let j = from; j <= tokens.length; j++) {
      const probs = lookUp(this.table, tokens.slice(0, j), this.vocabSize);
      this.positionsScored++;
      const ids = topIndices(probs, topK);
      const next = tokens[j];
      scores.push({
        top: { ids, logprobs: ids.map((id) => Math.log(probs[id]!)) },
        tokenLogprob: next === undefined ? null : Math.log(probs[next]!),
      });
    }
    return scores;
  }
}
