import type { PositionScore, ScoreOptions, Scorer, ScoringSession, TokenId } from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { evaluateSuffix } from './evaluate-suffix.ts';
import { positionScore } from './position-scores.ts';
import {
  SequencePool,
  SequencePoolClosedError,
  type SequencePoolOptions,
} from './sequence-pool.ts';

/** Tokens evaluated vs reused from the KV cache, over all sessions (the bench reads it). */
export interface EvaluationCounter {
  evaluatedTokens: number;
  reusedTokens: number;
}

/**
 * The cloud model (the target) in process: each scoring session keeps
 * its sequence's KV cache between rounds when the pool can, so a round costs
 * the new tokens only.
 */
export class LlamaScorer implements Scorer {
  readonly pool: SequencePool;
  readonly counter: EvaluationCounter = { evaluatedTokens: 0, reusedTokens: 0 };
  private openSessions = 0;

  constructor(
    readonly model: LlamaModel,
    readonly vocabSize: number,
    poolOptions: SequencePoolOptions,
  ) {
    this.pool = new SequencePool(model, poolOptions);
  }

  get contextSize(): number {
    return this.pool.options.contextSize;
  }

  /** Sessions opened and not yet closed. */
  get sessionCount(): number {
    return this.openSessions;
  }

  async openSession(): Promise<ScoringSession> {
    this.openSessions++;
    return new LlamaScoringSession(this, () => {
      this.openSessions--;
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

class LlamaScoringSession implements ScoringSession {
  private closed = false;
  /** Rounds of one session run one after another: a sequence's cache has one owner at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scorer: LlamaScorer,
    private readonly onClose: () => void,
  ) {}

  score(tokens: readonly TokenId[], from: number, options: ScoreOptions): Promise<PositionScore[]> {
    const run = this.tail.then(() => this.scoreNow(tokens, from, options));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(
    tokens: readonly TokenId[],
    from: number,
    options: ScoreOptions,
  ): Promise<PositionScore[]> {
    const { topK, temperature } = options;
    // A caller bug, not a client's: the conversation never scores a closed session.
    if (this.closed) throw new Error('score called on a closed scoring session');
    const { vocabSize, contextSize } = this.scorer;
    if (!Number.isInteger(from) || from < 1 || from > tokens.length) {
      throw new RangeError(
        `score from position ${from} of a ${tokens.length}-token sequence; expected 1 ≤ from ≤ length`,
      );
    }
    if (!Number.isInteger(topK) || topK < 1) {
      throw new RangeError(`topK is ${topK}; expected an integer ≥ 1`);
    }
    if (!Number.isFinite(temperature) || temperature < 0) {
      throw new RangeError(`temperature is ${temperature}; expected a finite number ≥ 0`);
    }
    if (tokens.length > contextSize) {
      // Prompt + output outgrew the model's context window: the client must start shorter.
      throw new SpecSteerError(
        ErrorCode.PROMPT_TOO_LONG,
        `prompt and output are ${tokens.length} tokens; this model's context holds ${contextSize}`,
        { tokens: tokens.length, contextSize },
      );
    }
    const outOfRange = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize);
    if (outOfRange >= 0) {
      throw new SpecSteerError(
        ErrorCode.TOKEN_OUT_OF_RANGE,
        `token ${outOfRange} is ${tokens[outOfRange]}, not an id below the vocabulary size ${vocabSize}`,
        { index: outOfRange, vocabSize },
      );
    }
    const evaluation = await this.scorer.pool
      .withSequence(this, (sequence) =>
        evaluateSuffix(sequence, tokens as readonly Token[], from - 1),
      )
      .catch((error: unknown) => {
        if (error instanceof SequencePoolClosedError) {
          throw new SpecSteerError(
            ErrorCode.BACKEND_UNAVAILABLE,
            'the embedded backend is shutting down',
          );
        }
        throw error;
      });
    this.scorer.counter.evaluatedTokens += evaluation.evaluatedTokens;
    this.scorer.counter.reusedTokens += evaluation.reusedTokens;
    return evaluation.distributions.map((next, i) =>
      positionScore(next, tokens[from + i], options, vocabSize),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await this.tail;
    this.scorer.pool.forget(this);
  }
}
