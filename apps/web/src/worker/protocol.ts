// The typed message protocol between the page and the drafter worker. The
// page never runs a model: it asks the worker to load, tokenize, prefill,
// step and score, and every request gets exactly one reply with its id — a
// result, or an error as a message (the worker never dies on bad input).
// Progress of a model load arrives as events between request and reply.

import type { TokenId } from '@specsteer/core';

export type EngineKind = 'wllama' | 'webllm';

export interface LoadRequest {
  kind: 'load';
  engine: EngineKind;
  /** URL of the small GGUF (wllama) or the WebLLM model id. */
  model: string;
  /** URL of wllama's single-thread wasm. */
  wasmUrl?: string;
  /** Context the drafter holds (tokens). */
  contextSize?: number;
}

export type WorkerRequestBody =
  | LoadRequest
  | { kind: 'tokenize'; text: string }
  | { kind: 'detokenize'; tokens: TokenId[] }
  /** Start a generation: device = BOS + private + public prompt; public = what the cloud sees. */
  | { kind: 'begin'; device: TokenId[]; public: TokenId[] }
  /** q after the device context + committed output (the first distribution of a draft). */
  | { kind: 'draftStart'; committed: TokenId[] }
  /** Append one drafted token; q after it. */
  | { kind: 'step'; token: TokenId }
  /** s at each of the n+1 positions of a draft, on the public context; null when device = public (s = q). */
  | { kind: 'references'; committed: TokenId[]; tokens: TokenId[] }
  | { kind: 'dispose' };

export type WorkerRequest = WorkerRequestBody & { id: number };

export interface LoadedInfo {
  engine: EngineKind;
  vocabSize: number;
  contextSize: number;
  bos: TokenId | null;
  /** Ids of the chat template's markers that are single tokens (offline pair: <|end|> …). */
  markerIds: Record<string, TokenId>;
  /** The chat template the model was trained with: the offline pair's markers, or Qwen2.5's ChatML. */
  template: 'offline' | 'chatml';
  /** How the engine drops a rejected draft from its KV cache. */
  rollback: 'kv-remove' | 'kv-popn' | 'reset-and-prefill';
  /** Time from load request to a usable model (ms). */
  loadMs: number;
}

/** Result payload per request kind. Distributions travel as transferable Float64Array buffers. */
export interface WorkerResults {
  load: LoadedInfo;
  tokenize: { tokens: TokenId[] };
  detokenize: { text: string };
  begin: { tokensEvaluated: number };
  draftStart: { q: Float64Array };
  step: { q: Float64Array };
  /** evaluated: tokens decoded by both sequences since load (prefill included), to show KV reuse. */
  references: { s: Float64Array[] | null; evaluated: number; engineMs: number };
  dispose: Record<string, never>;
}

export type WorkerErrorCode =
  'BAD_REQUEST' | 'NOT_LOADED' | 'LOAD_FAILED' | 'CONTEXT_FULL' | 'ENGINE_FAILED';

export type WorkerReply =
  | {
      [K in keyof WorkerResults]: { id: number; kind: 'result'; of: K; result: WorkerResults[K] };
    }[keyof WorkerResults]
  | { id: number; kind: 'error'; code: WorkerErrorCode; message: string }
  | { id: number; kind: 'progress'; loaded: number; total: number };

export class WorkerProtocolError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerProtocolError';
  }
}

const isTokenArray = (value: unknown): value is TokenId[] =>
  Array.isArray(value) && value.every((t) => Number.isInteger(t) && t >= 0);

/** Validate a message from the page; throws WorkerProtocolError('BAD_REQUEST') naming the problem. */
export function parseWorkerRequest(data: unknown): WorkerRequest {
  const bad = (why: string): never => {
    throw new WorkerProtocolError('BAD_REQUEST', why);
  };
  if (typeof data !== 'object' || data === null) return bad('a request must be an object');
  const message = data as Record<string, unknown>;
  if (!Number.isInteger(message.id)) return bad('a request needs an integer id');
  switch (message.kind) {
    case 'load':
      if (message.engine !== 'wllama' && message.engine !== 'webllm')
        return bad(`load.engine is ${String(message.engine)}; expected wllama or webllm`);
      if (typeof message.model !== 'string' || message.model === '')
        return bad('load.model must be a non-empty string');
      return message as unknown as WorkerRequest;
    case 'tokenize':
      if (typeof message.text !== 'string') return bad('tokenize.text must be a string');
      return message as unknown as WorkerRequest;
    case 'detokenize':
      if (!isTokenArray(message.tokens)) return bad('detokenize.tokens must be token ids');
      return message as unknown as WorkerRequest;
    case 'begin':
      if (!isTokenArray(message.device) || message.device.length === 0)
        return bad('begin.device must be a non-empty list of token ids');
      if (!isTokenArray(message.public) || message.public.length === 0)
        return bad('begin.public must be a non-empty list of token ids');
      return message as unknown as WorkerRequest;
    case 'draftStart':
      if (!isTokenArray(message.committed)) return bad('draftStart.committed must be token ids');
      return message as unknown as WorkerRequest;
    case 'step':
      if (!Number.isInteger(message.token) || (message.token as number) < 0)
        return bad('step.token must be a token id');
      return message as unknown as WorkerRequest;
    case 'references':
      if (!isTokenArray(message.committed) || !isTokenArray(message.tokens))
        return bad('references.committed and references.tokens must be token ids');
      return message as unknown as WorkerRequest;
    case 'dispose':
      return message as unknown as WorkerRequest;
    default:
      return bad(`unknown request kind ${JSON.stringify(message.kind)}`);
  }
}
