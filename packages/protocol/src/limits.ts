// The limits a server announces in `welcome` and enforces with an `error`
// (never a crash or a hang). A server may announce less than HARD_CAPS, never more.

import { z } from 'zod';
import { HARD_CAPS } from './caps.ts';

function positiveInt(max: number) {
  return z.number().int().min(1).max(max);
}

export const LimitsSchema = z
  .looseObject({
    /** Most draft tokens (k) one `draft` may carry. */
    maxDraftTokens: positiveInt(HARD_CAPS.draftTokens),
    /** Most prompt tokens, counted after the chat template. */
    maxPromptTokens: positiveInt(HARD_CAPS.promptTokens),
    /** Largest `sampling.topK`. */
    maxTopK: positiveInt(HARD_CAPS.topK),
    /** Most sessions open at once on one connection. */
    maxSessionsPerConnection: positiveInt(HARD_CAPS.sessionsPerConnection),
    /** Largest frame in UTF-8 bytes, either direction. */
    maxFrameBytes: z.number().int().min(4096).max(HARD_CAPS.frameBytes),
    /** A session (or a connection with none) with no message for this long is dropped. */
    idleTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 60 * 60 * 1000),
    /** Largest `sampling.maxTokens` (output tokens of one session). */
    maxTokens: positiveInt(HARD_CAPS.outputTokens),
  })
  .meta({ id: 'Limits', description: 'Limits a server announces in welcome and enforces.' });
export type Limits = z.infer<typeof LimitsSchema>;

/** What a server announces unless configured otherwise; fits a vLLM `--max-logprobs 20` setup. */
export const DEFAULT_LIMITS: Limits = {
  maxDraftTokens: 16,
  maxPromptTokens: 8192,
  maxTopK: 20,
  maxSessionsPerConnection: 8,
  maxFrameBytes: 1024 * 1024,
  idleTimeoutMs: 5 * 60 * 1000,
  maxTokens: 2048,
};
