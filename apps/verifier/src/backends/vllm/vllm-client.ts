// A small typed client for one vLLM server (Node's global fetch; the npm
// package `vllm-openai-client` does not exist). One method per endpoint the
// verifier uses; every call has a timeout and is tried exactly once.

import { SpecSteerError } from '@specsteer/protocol';
import type { z } from 'zod';
import type { PublicChatMessage } from '../backend.ts';
import { parseScoringBody, type ParsedScoringBody } from './prompt-logprobs-tail.ts';
import {
  httpError,
  malformedResponse,
  transportError,
  type VllmCallSite,
  type VllmRole,
} from './vllm-errors.ts';
import {
  CompletionResponseSchema,
  ModelListSchema,
  TokenizeResponseSchema,
  type CompletionResponse,
  type ModelList,
  type ScoringCompletionRequest,
  type TokenizeResponse,
} from './vllm-wire.ts';

export interface VllmClientOptions {
  role: VllmRole;
  /** Server root, e.g. `http://vllm-target:8000` (no `/v1`). */
  baseUrl: string;
  /** The server's `--api-key`; sent as a bearer token (vLLM checks it on /v1 routes). */
  apiKey?: string | undefined;
  timeoutMs: number;
}

export class VllmClient {
  readonly role: VllmRole;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #apiKey: string | undefined;

  constructor(options: VllmClientOptions) {
    this.role = options.role;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.#apiKey = options.apiKey;
  }

  /** `GET /health`: 200 once the model is loaded. */
  async health(timeoutMs = this.timeoutMs): Promise<void> {
    await this.#request('GET', '/health', undefined, timeoutMs);
  }

  /** `GET /v1/models`. */
  async models(): Promise<ModelList> {
    return this.#parse('GET /v1/models', ModelListSchema, await this.#request('GET', '/v1/models'));
  }

  /** `POST /tokenize` of plain text, no special tokens (what the tokenizer fingerprint needs). */
  async tokenizeText(model: string, text: string): Promise<TokenizeResponse> {
    const body = { model, prompt: text, add_special_tokens: false };
    return this.#parse(
      'POST /tokenize',
      TokenizeResponseSchema,
      await this.#request('POST', '/tokenize', body),
    );
  }

  /** `POST /tokenize` of chat messages through the model's chat template, ending with the generation prompt. */
  async tokenizeChat(
    model: string,
    messages: readonly PublicChatMessage[],
  ): Promise<TokenizeResponse> {
    const body = { model, messages, add_generation_prompt: true };
    return this.#parse(
      'POST /tokenize',
      TokenizeResponseSchema,
      await this.#request('POST', '/tokenize', body),
    );
  }

  /**
   * Whether the served model has an output row for `id`: a one-token
   * completion with a zero logit_bias on it, which vLLM refuses (400) for an
   * id at or past the model's vocab_size. Any other answer tells nothing: true.
   */
  async hasVocabularyId(model: string, id: number): Promise<boolean> {
    const body = { model, prompt: [0], max_tokens: 1, temperature: 0, logit_bias: { [id]: 0 } };
    try {
      await this.#exchange('POST', '/v1/completions', body);
      return true;
    } catch (error) {
      const data = error instanceof SpecSteerError ? error.data : undefined;
      const said = `${String(data?.vllmMessage ?? '')}`.toLowerCase();
      return !(data?.status === 400 && said.includes('logit_bias') && said.includes('vocab'));
    }
  }

  /**
   * `POST /v1/completions` scoring a token-id prompt (see ScoringCompletionRequest).
   * Only entry 0 and the entries from `from` on of `prompt_logprobs` are
   * parsed (prompt-logprobs-tail.ts); the others are holes.
   */
  async scoreCompletion(
    request: ScoringCompletionRequest,
    from: number,
  ): Promise<CompletionResponse> {
    const call = 'POST /v1/completions';
    const text = await this.#exchange('POST', '/v1/completions', request);
    let body: ParsedScoringBody;
    try {
      body = parseScoringBody(text, from);
    } catch (error) {
      throw malformedResponse(this.#site(call, this.timeoutMs), (error as Error).message);
    }
    const response = this.#parse(call, CompletionResponseSchema, body.envelope);
    if (body.promptLogprobs !== undefined)
      response.choices[0]!.prompt_logprobs = body.promptLogprobs;
    return response;
  }

  #site(call: string, timeoutMs: number): VllmCallSite {
    return { role: this.role, call, baseUrl: this.baseUrl, timeoutMs };
  }

  #parse<T>(call: string, schema: z.ZodType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw malformedResponse(
        this.#site(call, this.timeoutMs),
        `${issue.path.join('.') || 'body'}: ${issue.message}`,
      );
    }
    return parsed.data;
  }

  /** One exchange, parsed as JSON (undefined for an empty body). */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    const text = await this.#exchange(method, path, body, timeoutMs);
    const json = parseJson(text);
    if (json === undefined && text !== '') {
      throw malformedResponse(this.#site(`${method} ${path}`, timeoutMs), 'the body is not JSON');
    }
    return json;
  }

  /** One exchange: the body text of a 2xx answer, else the mapped protocol error. */
  async #exchange(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<string> {
    const site = this.#site(`${method} ${path}`, timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    // The timeout covers the whole exchange, body included: the signal stays
    // armed while the response body is read.
    const signal = AbortSignal.timeout(timeoutMs);
    let text: string;
    let status: number;
    try {
      const response = await fetch(this.baseUrl + path, {
        method,
        headers,
        signal,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw transportError(site, error);
    }
    if (status < 200 || status >= 300) throw httpError(site, status, parseJson(text) ?? text);
    return text;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
