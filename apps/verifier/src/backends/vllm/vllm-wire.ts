// The parts of vLLM's OpenAI-compatible HTTP API that the verifier uses, as
// schemas of what vLLM actually sends (vllm/entrypoints/openai/completion/protocol.py,
// serve/engine/protocol.py, the tokenize and models routes). Envelopes are
// checked strictly enough to fail with a clear message; unknown fields pass,
// so newer servers keep working.

import { z } from 'zod';

/**
 * vLLM clamps −inf log-probabilities to this value so that they survive JSON
 * (`clamp_prompt_logprobs`, `_create_completion_logprobs`). It means "zero probability".
 */
export const VLLM_NEG_INF_LOGPROB = -9999.0;

/** One entry of `prompt_logprobs[j]`: vLLM's `Logprob` dataclass as JSON. */
export const PromptLogprobSchema = z.object({
  logprob: z.number(),
  rank: z.number().int().nullable().optional(),
  decoded_token: z.string().nullable().optional(),
});

/** `prompt_logprobs[j]` for j ≥ 1: keyed by token id written as a decimal string. */
export const PromptLogprobsEntrySchema = z.record(z.string(), PromptLogprobSchema);

/** `choices[].logprobs` of the completion (the generated tokens): OpenAI's legacy shape. */
export const CompletionLogprobsSchema = z.object({
  text_offset: z.array(z.number()).optional(),
  token_logprobs: z.array(z.number().nullable()),
  tokens: z.array(z.string()),
  /** Keyed by `token_id:N` when return_tokens_as_token_ids is on, else by decoded text. */
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
});

export const CompletionChoiceSchema = z.object({
  index: z.number().int(),
  text: z.string(),
  logprobs: CompletionLogprobsSchema.nullable().optional(),
  finish_reason: z.string().nullable().optional(),
  /** One entry per prompt token; entry 0 is null. Parsed entry by entry (it can be long). */
  prompt_logprobs: z.array(z.unknown()).nullable().optional(),
});

export const CompletionResponseSchema = z.object({
  object: z.literal('text_completion').optional(),
  model: z.string(),
  choices: z.array(CompletionChoiceSchema).min(1),
});
export type CompletionResponse = z.infer<typeof CompletionResponseSchema>;

/** `POST /v1/completions` body the verifier sends to score a public sequence. */
export interface ScoringCompletionRequest {
  model: string;
  prompt: number[];
  max_tokens: 1;
  temperature: 0;
  prompt_logprobs: number;
  logprobs: number;
  return_tokens_as_token_ids: true;
  /** The public sequence must be scored as sent: no BOS or other special token added. */
  add_special_tokens: false;
}

/** `POST /tokenize` answer (root path, not /v1). */
export const TokenizeResponseSchema = z.object({
  count: z.number().int().nonnegative(),
  max_model_len: z.number().int().positive(),
  tokens: z.array(z.number().int().nonnegative()),
});
export type TokenizeResponse = z.infer<typeof TokenizeResponseSchema>;

/** `GET /v1/models` answer. */
export const ModelListSchema = z.object({
  object: z.literal('list').optional(),
  data: z.array(
    z.object({
      id: z.string(),
      max_model_len: z.number().int().positive().nullable().optional(),
    }),
  ),
});
export type ModelList = z.infer<typeof ModelListSchema>;

/**
 * The three error bodies vLLM sends: newer servers nest the fields under
 * `error`, older ones send them flat with `object: "error"`, and the API-key
 * middleware answers a bare `{"error": "Unauthorized"}`.
 */
export const NestedErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    param: z.string().nullable().optional(),
    code: z.union([z.number(), z.string()]).nullable().optional(),
  }),
});
export const FlatErrorSchema = z.object({
  object: z.literal('error'),
  message: z.string(),
  type: z.string().optional(),
  param: z.string().nullable().optional(),
  code: z.union([z.number(), z.string()]).nullable().optional(),
});
export const BareErrorSchema = z.object({ error: z.string() });

export interface VllmErrorBody {
  message: string;
  type?: string | undefined;
  param?: string | null | undefined;
}

/** The error a vLLM body describes, whichever of its shapes it has; undefined if none. */
export function parseVllmErrorBody(body: unknown): VllmErrorBody | undefined {
  const nested = NestedErrorSchema.safeParse(body);
  if (nested.success) return nested.data.error;
  const flat = FlatErrorSchema.safeParse(body);
  if (flat.success) return flat.data;
  const bare = BareErrorSchema.safeParse(body);
  if (bare.success) return { message: bare.data.error };
  return undefined;
}
