// draft → verdict: one Draft–Verify–Recover round (docs/design.md).
//
// Round semantics. The server holds the session's output O (n tokens so far).
// Round r:
//  1. The client sends `draft` {round: r, committed?, tokens: y_1..y_k}.
//     `committed` lists the tokens the device appended to O after round r-1's
//     verdict: the draft tokens it kept (a prefix of round r-1's draft) and
//     one more (its recovery, correction or bonus token). It is absent in
//     round 0 and right after `resume`.
//  2. The server appends `committed` to O, scores prompt + O + y_1..y_k with
//     the target p at the session's temperature, and answers with the
//     correction at every position |O| .. |O| + k: p's top-K there, the draft
//     token's exact value, the mass outside and (sampled mode, when the
//     server holds the full distribution) one draw from that mass with its
//     verification stream.
//  3. The device runs the acceptance test itself — it alone has q and so π:
//     sampled mode accepts y_i with min(1, π(y_i)/q(y_i)) (0 outside p's
//     top-K) and recovers from max(0, π − q·a) at the first rejection, or
//     draws the bonus from π; greedy mode keeps y_i while y_i = argmax π_i,
//     then takes argmax π.
//  4. Those tokens ride on the next `draft` as `committed`, so recovery costs
//     no extra round trip. If they end the generation (stop token, maxTokens,
//     or the device's own context is full), they ride on `close` instead.
// If `committed` itself ends the session (a stop token, or O reaches
// maxTokens) the verdict carries `finish` and no corrections.
// A draft of k = 0 tokens is allowed: the verdict is then just the correction
// at the next position (this is the token-level fusion baseline's round).
// The client never drafts more than maxTokens - |O| tokens (|O| after
// `committed`); the server answers DRAFT_TOO_LONG otherwise.

import { z } from 'zod';
import { HARD_CAPS } from '../caps.ts';
import {
  LogprobOrNullSchema,
  RoundSchema,
  SessionIdSchema,
  TokenCountSchema,
  TokenIdSchema,
  tokenListSchema,
} from '../primitives.ts';

export const DraftSchema = z
  .looseObject({
    type: z.literal('draft'),
    sessionId: SessionIdSchema,
    /** 0, 1, 2, … with no gaps; the server refuses any other with OUT_OF_ORDER_ROUND. */
    round: RoundSchema,
    /** Tokens the device committed after the previous verdict (at most k+1 of that round). */
    committed: tokenListSchema(HARD_CAPS.draftTokens + 1).optional(),
    /** The new draft y_1..y_k, k ≤ limits.maxDraftTokens. */
    tokens: tokenListSchema(HARD_CAPS.draftTokens),
  })
  .meta({
    id: 'Draft',
    description: 'client → server: tokens committed since the last verdict + a new draft.',
  });
export type Draft = z.infer<typeof DraftSchema>;

/** The target's top-K plus the draft token at that position. */
const MAX_CORRECTION_IDS = HARD_CAPS.topK + 1;

export const CorrectionSchema = z
  .looseObject({
    /** Output index (0-based, in the session's output) of the token being corrected. */
    position: TokenCountSchema,
    /** The target's top-K ids (highest first), then the draft token at this position if it is not among them. */
    ids: tokenListSchema(MAX_CORRECTION_IDS).min(1, { error: 'expected at least one id' }),
    /** How many leading `ids` are the target's top-K (a draft token is acceptable only among them). */
    top: z.number().int().min(0).max(MAX_CORRECTION_IDS),
    /** log p_T(id), exact; null when p_T(id) = 0. */
    logprobs: z.array(LogprobOrNullSchema).max(MAX_CORRECTION_IDS),
    /** log of p_T's mass outside `ids`; null when that mass is zero. */
    tail: LogprobOrNullSchema,
    /**
     * One token drawn from p_T restricted to the tokens outside `ids` (the
     * server's verification stream), when the server holds the full
     * distribution; absent or null otherwise and in greedy mode.
     */
    tailSample: TokenIdSchema.nullable().optional(),
  })
  .superRefine((correction, ctx) => {
    const n = correction.ids.length;
    if (correction.logprobs.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['logprobs'],
        message: `expected ${n} entries, one per id (got ${correction.logprobs.length})`,
      });
    }
    if (correction.top > n) {
      ctx.addIssue({ code: 'custom', path: ['top'], message: `expected at most ${n} (the ids)` });
    }
    const seen = new Set<number>();
    correction.ids.forEach((id, index) => {
      if (seen.has(id)) {
        ctx.addIssue({ code: 'custom', path: ['ids', index], message: `duplicate id ${id}` });
      }
      seen.add(id);
    });
    if (correction.tailSample != null && seen.has(correction.tailSample)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tailSample'],
        message: 'expected a token outside ids',
      });
    }
  })
  .meta({ id: 'Correction' });
export type Correction = z.infer<typeof CorrectionSchema>;

export const FinishReasonSchema = z.enum(['stop', 'length']);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const VerdictSchema = z
  .looseObject({
    type: z.literal('verdict'),
    sessionId: SessionIdSchema,
    round: RoundSchema,
    /**
     * The corrections at positions committedTokens … committedTokens + k (one
     * per draft token, then the bonus position); null exactly when the
     * session finished.
     */
    corrections: z
      .array(CorrectionSchema)
      .min(1)
      .max(HARD_CAPS.draftTokens + 1)
      .nullable(),
    /** Why the session finished this round; absent or null while it goes on. */
    finish: FinishReasonSchema.nullable().optional(),
    /** |O|: the output length after `committed`, where the first correction sits. */
    committedTokens: TokenCountSchema,
    /** Server time spent scoring, for client metrics. */
    timing: z.looseObject({ scoreMs: z.number().min(0) }).optional(),
  })
  .superRefine((verdict, ctx) => {
    const finished = verdict.finish != null;
    if (finished && verdict.corrections !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['corrections'],
        message: 'expected null when finish is set',
      });
    }
    if (!finished && verdict.corrections === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['corrections'],
        message: 'expected corrections unless finish is set',
      });
    }
    verdict.corrections?.forEach((correction, i) => {
      if (correction.position !== verdict.committedTokens + i) {
        ctx.addIssue({
          code: 'custom',
          path: ['corrections', i, 'position'],
          message: `expected committedTokens + ${i} (${verdict.committedTokens + i})`,
        });
      }
    });
  })
  .meta({
    id: 'Verdict',
    description: 'server → client: the corrections at every draft position, or finish.',
  });
export type Verdict = z.infer<typeof VerdictSchema>;
