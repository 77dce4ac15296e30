// A local HTTP server that answers the way one vLLM OpenAI-compatible server
// does, for the routes the verifier uses (GET /health, GET /v1/models,
// POST /tokenize, POST /v1/completions), backed by a real GGUF model in
// llama.cpp so the numbers are real. Switches in `faults` inject what real
// deployments do: both error-body shapes, slow answers, dropped connections,
// an unhealthy engine, another tokenizer, servers without token-id keys.
// Loopback only; one generated token per completion (all scoring needs).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderPublicPrompt } from '@specsteer/core';
import { LlamaModelEngine } from './llama-model-engine.ts';
import {
  actualThenTopK,
  clampedLogprob,
  promptLogprobsEntryJson,
  rankOrder,
  sampledTopLogprobs,
} from './vllm-logprob-shapes.ts';

export interface FakeVllmFaults {
  /** `nested`: {"error": {...}} (newer vLLM); `flat`: {"object": "error", ...} (older). */
  errorShape: 'nested' | 'flat';
  /** Wait this long before answering /v1/completions (timeouts). */
  completionDelayMs: number;
  /** Close the socket of every /v1/completions request without an answer. */
  dropCompletionConnections: boolean;
  /** Answer every /v1/completions with this error. */
  completionError: { status: number; message: string; type: string } | undefined;
  /** false: /health answers 503, as vLLM does once its engine is dead. */
  healthy: boolean;
  /**
   * How the generated token's top_logprobs are keyed: `request` honours the
   * request's return_tokens_as_token_ids; `always` is --return-tokens-as-token-ids;
   * `never` is an old server that only knows decoded text.
   */
  tokenIdKeys: 'request' | 'always' | 'never';
  /** Add this to every id /tokenize returns: a server with another tokenizer. */
  tokenizerShift: number;
  /** Tokens whose logit is −inf at every position (probability 0, the rest renormalized). */
  zeroProbabilityTokens: ReadonlySet<number>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  /** performance.now() when the request's body had arrived. */
  receivedAt: number;
}

export interface FakeVllmOptions {
  /** A loaded engine (shared between servers), or a GGUF path to load. */
  engine?: LlamaModelEngine;
  modelPath?: string;
  servedModelName: string;
  /** --max-logprobs (vLLM's default 20). */
  maxLogprobs?: number;
  /** --api-key: required as a bearer token on /v1 routes. */
  apiKey?: string;
  /** --max-model-len; default: the llama.cpp context size. */
  maxModelLen?: number;
  /** Loopback port; default: any free one. */
  port?: number;
}

export interface FakeVllmServer {
  /** Server root, e.g. http://127.0.0.1:40123 */
  url: string;
  faults: FakeVllmFaults;
  requests: RecordedRequest[];
  engine: LlamaModelEngine;
  close(): Promise<void>;
}

export function defaultFaults(): FakeVllmFaults {
  return {
    errorShape: 'nested',
    completionDelayMs: 0,
    dropCompletionConnections: false,
    completionError: undefined,
    healthy: true,
    tokenIdKeys: 'request',
    tokenizerShift: 0,
    zeroProbabilityTokens: new Set(),
  };
}

/** An error vLLM's handlers raise: an HTTP status and OpenAI-style type. */
class VllmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

const badRequest = (message: string, param: string | null = null) =>
  new VllmHttpError(400, 'BadRequestError', message, param);

export async function startFakeVllm(options: FakeVllmOptions): Promise<FakeVllmServer> {
  const ownsEngine = options.engine === undefined;
  if (ownsEngine && options.modelPath === undefined)
    throw new Error('startFakeVllm needs an engine or a modelPath');
  const engine = options.engine ?? (await LlamaModelEngine.load(options.modelPath!));
  const maxLogprobs = options.maxLogprobs ?? 20;
  const maxModelLen = options.maxModelLen ?? engine.contextSize;
  const faults = defaultFaults();
  const requests: RecordedRequest[] = [];
  const created = Math.floor(Date.now() / 1000);
  let counter = 0;

  const errorBody = (error: VllmHttpError) =>
    faults.errorShape === 'nested'
      ? {
          error: {
            message: error.message,
            type: error.type,
            param: error.param,
            code: error.status,
          },
        }
      : {
          object: 'error',
          message: error.message,
          type: error.type,
          param: error.param,
          code: error.status,
        };

  const checkModel = (body: Record<string, unknown>) => {
    if (body.model !== undefined && body.model !== null && body.model !== options.servedModelName) {
      throw new VllmHttpError(
        404,
        'NotFoundError',
        `The model \`${String(body.model)}\` does not exist.`,
        'model',
      );
    }
  };

  const masked = (distribution: Float64Array): Float64Array => {
    if (faults.zeroProbabilityTokens.size === 0) return distribution;
    const out = Float64Array.from(distribution);
    for (const id of faults.zeroProbabilityTokens) out[id] = 0;
    const total = out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < out.length; i++) out[i]! /= total;
    return out;
  };

  const decode = (id: number) => engine.detokenize([id]);

  async function tokenize(body: Record<string, unknown>): Promise<string> {
    checkModel(body);
    let ids: number[];
    if (Array.isArray(body.messages)) {
      let text: string;
      try {
        text = renderPublicPrompt(body.messages as never, body.add_generation_prompt !== false);
      } catch (error) {
        throw badRequest((error as Error).message, 'messages');
      }
      // The pair's chat template starts with the BOS text, as llama-style templates do.
      ids = [engine.bos, ...engine.tokenize(text)];
    } else if (typeof body.prompt === 'string') {
      ids = [
        ...(body.add_special_tokens === false ? [] : [engine.bos]),
        ...engine.tokenize(body.prompt),
      ];
    } else {
      throw badRequest('Either prompt or messages must be provided.');
    }
    const tokens = ids.map((id) => (id + faults.tokenizerShift) % engine.vocabSize);
    return JSON.stringify({
      count: tokens.length,
      max_model_len: maxModelLen,
      tokens,
      token_strs: null,
    });
  }

  function validateCompletion(body: Record<string, unknown>): {
    prompt: number[];
    promptK: number | null;
    k: number | null;
    tokenIds: boolean;
  } {
    checkModel(body);
    const prompt = body.prompt;
    if (
      !Array.isArray(prompt) ||
      prompt.length === 0 ||
      !prompt.every((t) => Number.isInteger(t) && t >= 0)
    ) {
      throw badRequest(
        'fake vLLM accepts only a non-empty token-id prompt (list of non-negative integers)',
        'prompt',
      );
    }
    for (const id of prompt as number[]) {
      if (id >= engine.vocabSize) throw badRequest(`Token id ${id} is out of vocabulary`, 'prompt');
    }
    // vLLM checks logit_bias ids against the model's vocab_size (its output rows).
    if (body.logit_bias !== undefined && body.logit_bias !== null) {
      const outside = Object.keys(body.logit_bias as object)
        .map(Number)
        .filter((id) => !(Number.isInteger(id) && id >= 0 && id < engine.vocabSize));
      if (outside.length > 0) {
        throw badRequest(
          `token_id(s) [${outside.join(', ')}] in logit_bias contain out-of-vocab token ids. Vocabulary size: ${engine.vocabSize}`,
          'logit_bias',
        );
      }
    }
    if (body.stream === true)
      throw badRequest(
        '`prompt_logprobs` are not available when `stream=True`.',
        'prompt_logprobs',
      );
    const readK = (name: 'logprobs' | 'prompt_logprobs'): number | null => {
      const value = body[name];
      if (value === undefined || value === null) return null;
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw badRequest(`\`${name}\` must be an integer.`, name);
      if (value < 0) throw badRequest(`\`${name}\` must be a positive value or -1.`, name);
      return value;
    };
    const k = readK('logprobs');
    const promptK = readK('prompt_logprobs');
    // vLLM checks the sample logprobs first, then the prompt logprobs.
    if (k !== null && k > maxLogprobs) {
      throw badRequest(
        `Requested sample logprobs of ${k}, which is greater than max allowed: ${maxLogprobs}`,
        'logprobs',
      );
    }
    if (promptK !== null && promptK > maxLogprobs) {
      throw badRequest(
        `Requested prompt logprobs of ${promptK}, which is greater than max allowed: ${maxLogprobs}`,
        'prompt_logprobs',
      );
    }
    const maxTokens = body.max_tokens ?? 16;
    if (maxTokens !== 1)
      throw badRequest('fake vLLM generates exactly one token: send max_tokens 1', 'max_tokens');
    if (prompt.length + 1 > maxModelLen) {
      throw badRequest(
        `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${prompt.length + 1} tokens (${prompt.length} in the messages, 1 in the completion). Please reduce the length of the messages or completion.`,
      );
    }
    const tokenIds =
      faults.tokenIdKeys === 'always' ||
      (faults.tokenIdKeys === 'request' && body.return_tokens_as_token_ids === true);
    return { prompt: prompt as number[], promptK, k, tokenIds };
  }

  async function complete(body: Record<string, unknown>): Promise<string> {
    const { prompt, promptK, k, tokenIds } = validateCompletion(body);
    const distributions = (await engine.distributionsAfterEachPrefix(prompt)).map(masked);
    const last = distributions[distributions.length - 1]!;
    const lastOrder = rankOrder(last);
    const sampled = lastOrder[0]!; // temperature 0: argmax
    const text = decode(sampled);

    let promptLogprobsJson = 'null';
    if (promptK !== null) {
      const entries = ['null'];
      for (let j = 1; j < prompt.length; j++) {
        const distribution = distributions[j - 1]!;
        entries.push(
          promptLogprobsEntryJson(
            actualThenTopK(distribution, rankOrder(distribution), prompt[j]!, promptK),
            decode,
          ),
        );
      }
      promptLogprobsJson = `[${entries.join(',')}]`;
    }
    const key = (id: number) => (tokenIds ? `token_id:${id}` : decode(id));
    const logprobs =
      k === null
        ? null
        : {
            text_offset: [0],
            token_logprobs: [clampedLogprob(last[sampled]!)],
            tokens: [key(sampled)],
            top_logprobs: [sampledTopLogprobs(actualThenTopK(last, lastOrder, sampled, k), k, key)],
          };
    const response = {
      id: `cmpl-fake${++counter}`,
      object: 'text_completion',
      created,
      model: options.servedModelName,
      choices: [
        {
          index: 0,
          text,
          logprobs,
          finish_reason: 'length',
          stop_reason: null,
          prompt_logprobs: '__PROMPT_LOGPROBS__',
        },
      ],
      usage: {
        prompt_tokens: prompt.length,
        total_tokens: prompt.length + 1,
        completion_tokens: 1,
      },
    };
    return JSON.stringify(response).replace('"__PROMPT_LOGPROBS__"', promptLogprobsJson);
  }

  const models = () =>
    JSON.stringify({
      object: 'list',
      data: [
        {
          id: options.servedModelName,
          object: 'model',
          created,
          owned_by: 'vllm',
          root: options.servedModelName,
          parent: null,
          max_model_len: maxModelLen,
          permission: [],
        },
      ],
    });

  async function route(
    request: IncomingMessage,
    response: ServerResponse,
    rawBody: string,
  ): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const send = (status: number, json: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(json);
    };
    let body: Record<string, unknown> = {};
    if (request.method === 'POST') {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        send(400, JSON.stringify(errorBody(badRequest('The request body is not valid JSON.'))));
        return;
      }
    }
    requests.push({
      method: request.method ?? '',
      path,
      authorization: request.headers.authorization,
      body,
      receivedAt: performance.now(),
    });

    // vLLM's API-key middleware guards /v1 routes only, with its own bare body.
    if (
      options.apiKey !== undefined &&
      path.startsWith('/v1') &&
      request.headers.authorization !== `Bearer ${options.apiKey}`
    ) {
      send(401, JSON.stringify({ error: 'Unauthorized' }));
      return;
    }
    try {
      if (request.method === 'GET' && path === '/health') {
        response.writeHead(faults.healthy ? 200 : 503);
        response.end();
      } else if (request.method === 'GET' && path === '/v1/models') {
        send(200, models());
      } else if (request.method === 'POST' && path === '/tokenize') {
        send(200, await tokenize(body));
      } else if (request.method === 'POST' && path === '/v1/completions') {
        if (faults.dropCompletionConnections) {
          request.socket.destroy();
          return;
        }
        if (faults.completionDelayMs > 0) {
          // A client that gave up (timeout) closes the socket: stop waiting, compute nothing.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, faults.completionDelayMs);
            response.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (response.destroyed || request.socket.destroyed) return;
        }
        if (faults.completionError !== undefined) {
          const { status, type, message } = faults.completionError;
          throw new VllmHttpError(status, type, message);
        }
        const json = await complete(body);
        if (!response.destroyed) send(200, json);
      } else {
        send(404, JSON.stringify({ detail: 'Not Found' }));
      }
    } catch (error) {
      const known =
        error instanceof VllmHttpError
          ? error
          : new VllmHttpError(500, 'InternalServerError', (error as Error).message);
      if (!response.destroyed) send(known.status, JSON.stringify(errorBody(known)));
    }
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void route(request, response, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    requests,
    engine,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsEngine) await engine.dispose();
    },
  };
}
