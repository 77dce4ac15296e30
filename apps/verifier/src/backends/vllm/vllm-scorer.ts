// core's Scorer over one vLLM server. Sessions are stateless: every round
// re-sends the whole public sequence, because vLLM computes prompt logprobs
// by re-prefilling the prompt anyway (its prefix cache is bypassed for such
// requests, and the servers run with --no-enable-prefix-caching). That also
// makes any verifier replica able to score any session.

import {
  partialFromScore,
  temperPartial,
  type PositionScore,
  type ScoreOptions,
  type Scorer,
  type ScoringSession,
  type TokenId,
} from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import { malformedResponse } from './vllm-errors.ts';
import type { VllmClient } from './vllm-client.ts';
import { VllmShapeError, positionScores } from './position-scores.ts';

export interface VllmScorerOptions {
  client: VllmClient;
  /** The served model name (`model` of the request). */
  model: string;
  vocabSize: number;
  /** The server's --max-logprobs: vLLM refuses a larger top-K with a 400. */
  maxTopK: number;
}

export class VllmScorer implements Scorer {
  readonly vocabSize: number;
  readonly model: string;
  readonly maxTopK: number;
  readonly #client: VllmClient;

  constructor(options: VllmScorerOptions) {
    this.#client = options.client;
    this.model = options.model;
    this.vocabSize = options.vocabSize;
    this.maxTopK = options.maxTopK;
  }

  async openSession(): Promise<ScoringSession> {
    let closed = false;
    return {
      score: (tokens, from, options) => {
        if (closed) {
          return Promise.reject(
            new SpecSteerError(
              ErrorCode.INTERNAL,
              `score called on a closed vLLM ${this.#client.role} scoring session`,
            ),
          );
        }
        return this.score(tokens, from, options);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  /**
   * One `POST /v1/completions` per call: positions `from .. tokens.length` of
   * `tokens`. vLLM reports only the top-K (raw logprobs), so tempering is
   * done here over what it reports, with the unreported mass as one even
   * lump (core's temperPartial): exact at T ∈ {0, 1} or when K covers the
   * vocabulary, an approximation otherwise (docs/design.md, "Truncation").
   * No tail sample: the server never sees the rest of the distribution.
   */
  async score(
    tokens: readonly TokenId[],
    from: number,
    options: ScoreOptions,
  ): Promise<PositionScore[]> {
    const { topK, temperature } = options;
    this.#checkArguments(tokens, from, topK);
    const response = await this.#client.scoreCompletion(
      {
        model: this.model,
        prompt: [...tokens],
        max_tokens: 1,
        temperature: 0,
        prompt_logprobs: topK,
        logprobs: topK,
        return_tokens_as_token_ids: true,
        add_special_tokens: false,
      },
      from,
    );
    try {
      const scores = positionScores(response, tokens, from, topK);
      return temperature === 0 || temperature === 1
        ? scores
        : scores.map((score, i) => this.#tempered(score, tokens[from + i], topK, temperature));
    } catch (error) {
      if (error instanceof VllmShapeError) {
        throw malformedResponse(
          {
            role: this.#client.role,
            call: 'POST /v1/completions',
            baseUrl: this.#client.baseUrl,
            timeoutMs: this.#client.timeoutMs,
          },
          error.message,
        );
      }
      throw error;
    }
  }

  #tempered(
    score: PositionScore,
    next: TokenId | undefined,
    topK: number,
    temperature: number,
  ): PositionScore {
    const partial = temperPartial(
      partialFromScore(score, next ?? null, topK, this.vocabSize, 'vllm'),
      temperature,
    );
    const log = (p: number) => (p > 0 ? Math.log(p) : -Infinity);
    const top = Math.min(topK, score.top.ids.length);
    const nextAt = next === undefined ? -1 : partial.ids.indexOf(next);
    return {
      top: { ids: partial.ids.slice(0, top), logprobs: partial.probs.slice(0, top).map(log) },
      tokenLogprob: nextAt < 0 ? null : log(partial.probs[nextAt]!),
    };
  }

  #checkArguments(tokens: readonly TokenId[], from: number, topK: number): void {
    // The conversation enforces the protocol limits before scoring; these
    // guard the request itself, so a caller bug never reaches vLLM as a 400.
    if (!Number.isInteger(topK) || topK < 1 || topK > this.maxTopK) {
      throw new SpecSteerError(
        ErrorCode.INVALID_MESSAGE,
        `top-K ${topK} is outside 1..${this.maxTopK}, the cap of the vLLM ${this.#client.role} server (--max-logprobs)`,
        { maxTopK: this.maxTopK },
      );
    }
    if (!Number.isInteger(from) || from < 1 || from > tokens.length) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `score from position ${from} of a ${tokens.length}-token sequence; expected 1 ≤ from ≤ length`,
      );
    }
    for (const [i, id] of tokens.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new SpecSteerError(
          ErrorCode.TOKEN_OUT_OF_RANGE,
          `token ${i} is ${id}, outside the vocabulary of ${this.vocabSize}`,
          { index: i },
        );
      }
    }
  }
}
