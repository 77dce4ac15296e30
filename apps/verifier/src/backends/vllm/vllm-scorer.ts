// core's Scorer over one vLLM server. Sessions are stateless: every round
// re-sends the whole public sequence, because vLLM computes prompt logprobs
// by re-prefilling the prompt anyway (its prefix cache is bypassed for such
// requests, and the servers run with --no-enable-prefix-caching). That also
// makes any verifier replica able to score any session.

import type { PositionScore, Scorer, ScoringSession, TokenId } from '@specsteer/core';
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
      score: (tokens, from, topK) => {
        if (closed) {
          return Promise.reject(
            new SpecSteerError(
              ErrorCode.INTERNAL,
              `score called on a closed vLLM ${this.#client.role} scoring session`,
            ),
          );
        }
        return this.score(tokens, from, topK);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  /** One `POST /v1/completions` per call: positions `from .. tokens.length` of `tokens`. */
  async score(tokens: readonly TokenId[], from: number, topK: number): Promise<PositionScore[]> {
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
      return positionScores(response, tokens, from, topK);
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
