// open / resume / close: the life of a session. A session is the public
// prompt, the sampling settings and the committed output; that is all a
// server keeps, so any replica can rebuild it from `resume`.
//
// There is deliberately no field for history, profile, retrieved snippets or
// q: the private context never leaves the device (docs/design.md, "Privacy boundary").

import { z } from 'zod';
import { HARD_CAPS } from '../caps.ts';
import { RoundSchema, SessionIdSchema, TokenCountSchema, tokenListSchema } from '../primitives.ts';

export const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(HARD_CAPS.contentChars, {
    error: `expected at most ${HARD_CAPS.contentChars} characters of content`,
  }),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** The public prompt as chat messages; the server applies the model's chat template. */
export const MessagesPromptSchema = z
  .looseObject({
    messages: z
      .array(ChatMessageSchema)
      .min(1, { error: 'expected at least one message' })
      .max(HARD_CAPS.messages, { error: `expected at most ${HARD_CAPS.messages} messages` }),
  })
  .meta({ id: 'MessagesPrompt' });

/** The public prompt as token ids, already templated by the client. */
export const TokensPromptSchema = z
  .looseObject({
    tokens: tokenListSchema(HARD_CAPS.promptTokens).min(1, {
      error: 'expected at least one token',
    }),
  })
  .meta({ id: 'TokensPrompt' });

/** Exactly one of the two forms (an object with both is refused). */
export const PromptSchema = z
  .xor([MessagesPromptSchema, TokensPromptSchema])
  .meta({ id: 'Prompt' });
export type Prompt = z.infer<typeof PromptSchema>;
export type MessagesPrompt = z.infer<typeof MessagesPromptSchema>;
export type TokensPrompt = z.infer<typeof TokensPromptSchema>;

/** The prompt's token ids when it came as tokens; undefined for the chat-messages form. */
export function promptTokenIds(prompt: Prompt): readonly number[] | undefined {
  const { tokens } = prompt as { tokens?: unknown };
  return Array.isArray(tokens) ? (tokens as number[]) : undefined;
}

/**
 * Sampling settings. Every field is the same whatever the private context is
 * (docs/design.md, "Privacy boundary"): α and the device's randomness stay on
 * the device.
 */
export const SamplingSchema = z
  .looseObject({
    /** Applied to p (server, over the full distribution where it can) and to q and s (device); 0 means greedy. */
    temperature: z.number().min(0).max(100),
    /**
     * Seeds the server's verification stream only (the corrections' tail
     * samples), so any replica recomputes it. The device draws its own draft,
     * acceptance and recovery randomness from a secret that never leaves it.
     */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    /** K of the top-K correction, at most limits.maxTopK. */
    topK: z.number().int().min(1).max(HARD_CAPS.topK),
    /** Output tokens of the session (accepted + recovered), at most limits.maxTokens. */
    maxTokens: z.number().int().min(1).max(HARD_CAPS.outputTokens),
    /** Generation ends after the first of these is committed (it is included in the output). */
    stopTokens: tokenListSchema(HARD_CAPS.stopTokens).default([]),
  })
  .meta({ id: 'Sampling' });
export type Sampling = z.infer<typeof SamplingSchema>;

export const OpenSchema = z
  .looseObject({
    type: z.literal('open'),
    sessionId: SessionIdSchema,
    prompt: PromptSchema,
    sampling: SamplingSchema,
  })
  .meta({ id: 'Open', description: 'client → server: start a session.' });
export type Open = z.infer<typeof OpenSchema>;

export const OpenedSchema = z
  .looseObject({
    type: z.literal('opened'),
    sessionId: SessionIdSchema,
    /** Length of the public prompt in tokens, after the chat template. */
    promptTokens: TokenCountSchema,
    /** The prompt's token ids, so the client can check its own templating (optional). */
    promptTokenIds: tokenListSchema(HARD_CAPS.promptTokens).optional(),
  })
  .meta({ id: 'Opened', description: 'server → client: the session is ready for round 0.' });
export type Opened = z.infer<typeof OpenedSchema>;

export const ResumeSchema = z
  .looseObject({
    type: z.literal('resume'),
    sessionId: SessionIdSchema,
    prompt: PromptSchema,
    sampling: SamplingSchema,
    /**
     * Every output token committed so far, in order: accepted drafts and
     * recovered tokens, including the last recovered one (so the next draft
     * carries no `committed`).
     */
    committedTokens: tokenListSchema(HARD_CAPS.outputTokens),
    /** The round number the next `draft` will carry. */
    round: RoundSchema,
  })
  .meta({ id: 'Resume', description: 'client → server: rebuild a session on any replica.' });
export type Resume = z.infer<typeof ResumeSchema>;

export const ResumedSchema = z
  .looseObject({
    type: z.literal('resumed'),
    sessionId: SessionIdSchema,
    promptTokens: TokenCountSchema,
    /** Output length the server rebuilt (= resume.committedTokens.length). */
    committedTokens: TokenCountSchema,
    /** The round the server expects next (= resume.round). */
    round: RoundSchema,
  })
  .meta({ id: 'Resumed', description: 'server → client: the session is rebuilt.' });
export type Resumed = z.infer<typeof ResumedSchema>;

export const CloseSchema = z
  .looseObject({
    type: z.literal('close'),
    sessionId: SessionIdSchema,
    /**
     * The tokens the device committed after the last verdict, when they ended
     * the generation (a stop token, maxTokens, or the device's context is
     * full): they have no next `draft` to ride on, so they ride on `close`.
     */
    committed: tokenListSchema(HARD_CAPS.draftTokens + 1).optional(),
  })
  .meta({ id: 'Close', description: 'client → server: end a session.' });
export type Close = z.infer<typeof CloseSchema>;

export const CloseReasonSchema = z.enum(['client', 'idle_timeout', 'shutting_down', 'error']);
export type CloseReason = z.infer<typeof CloseReasonSchema>;

export const ClosedSchema = z
  .looseObject({
    type: z.literal('closed'),
    sessionId: SessionIdSchema,
    /** `client`: answer to close; the others are sent unasked when the server drops a session. */
    reason: CloseReasonSchema,
    /** Final output length the server counted (for checking and accounting). */
    committedTokens: TokenCountSchema.optional(),
  })
  .meta({ id: 'Closed', description: 'server → client: the session is gone.' });
export type Closed = z.infer<typeof ClosedSchema>;
