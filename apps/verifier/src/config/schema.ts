import { DEFAULT_LIMITS, HARD_CAPS } from '@specsteer/protocol';
import { z } from 'zod';

// The verifier's whole configuration, flat so that every field has exactly one
// environment variable (SPECSTEER_ + the key in UPPER_SNAKE_CASE, see
// environment.ts) and one key in the optional JSON file: an error names both.

const port = z.number().int().min(0).max(65_535);
const positiveInt = z.number().int().positive();
const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** One verifier API key with its own round budget (token bucket); omitted rates use the defaults. */
export const ApiKeySchema = z.strictObject({
  key: z.string().min(16, 'API keys must be at least 16 characters'),
  /** A short label for logs and metrics: the key itself is never logged. */
  name: z.string().min(1).max(64).optional(),
  roundsPerSecond: z.number().positive().optional(),
  burst: positiveInt.optional(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8787),
  /**
   * Behind a load balancer, take the client address from X-Forwarded-For (the
   * per-address round budget of an open server needs it). Only when the balancer sets it.
   */
  trustProxy: z.boolean().default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  backend: z.enum(['llamacpp', 'vllm']).default('llamacpp'),
  /** Embedded backend: the large GGUF scores p (devices compute s with their own small model). */
  targetModelPath: z.string().min(1).optional(),
  /** Tokens one session's sequence holds (default: the models' trained context). */
  llamacppContextSize: positiveInt.optional(),
  /** Sequences per llama.cpp context and contexts per model: how many sessions keep their own KV cache. */
  llamacppSequencesPerContext: positiveInt.optional(),
  llamacppMaxContexts: positiveInt.optional(),

  vllmTargetUrl: url.optional(),
  vllmTargetApiKey: z.string().min(1).optional(),
  vllmTimeoutMs: positiveInt.default(30_000),
  /** Served model name; default: the only model the server lists. */
  vllmTargetModel: z.string().min(1).optional(),
  /** The vLLM servers' --max-logprobs (the top-K cap announced in welcome). */
  vllmMaxLogprobs: positiveInt.optional(),
  /** config.json `vocab_size` of the served models (vLLM does not report it). */
  vllmVocabSize: positiveInt.optional(),

  /** Empty = open server (a warning is logged at start-up). */
  apiKeys: z.array(z.union([z.string(), ApiKeySchema])).default([]),
  /** Browser origins allowed on the WebSocket upgrade; empty = any (clients without Origin always pass). */
  allowedOrigins: z.array(z.union([z.literal('*'), z.url()])).default([]),
  roundsPerSecond: z.number().positive().default(50),
  rateLimitBurst: positiveInt.default(100),
  /** Budget of `open` and `resume` frames per caller (each tokenizes a prompt and opens scorers). */
  opensPerSecond: z.number().positive().default(10),
  openBurst: positiveInt.default(50),
  /** Frame bytes per client address and second; past it (after a burst of as many) its sockets stop reading a while. */
  frameBytesPerSecond: positiveInt.default(4 * 1024 * 1024),

  // The limits announced in welcome (protocol LimitsSchema bounds them; load.ts checks).
  maxFrameBytes: positiveInt.default(DEFAULT_LIMITS.maxFrameBytes),
  maxDraftTokens: positiveInt.default(DEFAULT_LIMITS.maxDraftTokens),
  maxPromptTokens: positiveInt.default(DEFAULT_LIMITS.maxPromptTokens),
  maxTopK: positiveInt.default(DEFAULT_LIMITS.maxTopK),
  maxTokens: positiveInt.default(DEFAULT_LIMITS.maxTokens),
  maxSessionsPerConnection: positiveInt.default(DEFAULT_LIMITS.maxSessionsPerConnection),
  idleTimeoutMs: positiveInt.default(DEFAULT_LIMITS.idleTimeoutMs),
  /** Time a connection has to complete hello → welcome; then it is closed, pings or not. */
  helloTimeoutMs: positiveInt.default(10_000),
  /**
   * Connections one client address may hold before hello completes (a key on
   * the upgrade counts as complete); more upgrades from it get HTTP 429.
   * Connections before hello hold at most half of maxConnections in all.
   */
  maxUnauthenticatedPerAddress: positiveInt.default(16),
  /** Connections one instance holds; more upgrades get HTTP 503. */
  maxConnections: positiveInt.max(HARD_CAPS.sessionsPerConnection * 64).default(4096),
  shutdownGraceMs: positiveInt.default(10_000),
});

export type ConfigInput = z.input<typeof ConfigSchema>;

/** The validated configuration, with API keys normalized to objects and vLLM / model fields checked against `backend`. */
export type Config = Omit<z.output<typeof ConfigSchema>, 'apiKeys'> & { apiKeys: ApiKey[] };
export type ConfigKey = keyof z.output<typeof ConfigSchema>;
