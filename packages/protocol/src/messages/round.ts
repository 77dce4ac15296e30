// draft → verdict: one Draft–Verify–Recover round (docs/design.md §2).
//
// Round semantics. The server holds the session's output O (n tokens so far).
// Round r:
//  1. The client sends `draft` {round: r, committed?, tokens: y_1..y_k}.
//     `committed` is the token the device recovered from round r-1's
//     correction: absent in round 0, right after `resume`, and never needed
//     after a verdict with a finish reason (the session is over).
//  2. The server appends `committed` to O (n → n+1), then scores
//     prompt + O + y_1..y_k with target p and reference s, and runs the ratio
//     test on y_1..y_k; it accepts a prefix y_1..y_a and appends it to O.
//     Acceptance stops early at a stop token or when O reaches maxTokens.
//  3. The `verdict` says a (`accepted`), the new length |O| (`committedTokens`)
//     and either a finish reason ("stop": an accepted token or `committed` was
//     a stop token; "length": O reached maxTokens) or the correction: top-K of
//     p and s at output index |O| (`position`) — the first rejected position,
//     or the position after y_k when all were accepted (the bonus position).
//  4. The device recovers one token at `position` from the correction and its
//     own q (steering residual if a < k, bonus from π if a = k), and sends it
//     as `committed` of round r+1 along with the next draft, so recovery costs
//     no extra round trip. If that token is a stop token or makes |O| reach
//     maxTokens, the generation is over: the device sends it on `close`.
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
    /** The piggybacked recovery token of the previous round. */
    committed: TokenIdSchema.optional(),
    /** The new draft y_1..y_k, k ≤ limits.maxDraftTokens. */
    tokens: tokenListSchema(HARD_CAPS.draftTokens),
  })
  .meta({
    id: 'Draft',
    description: 'client → server: recovery token of the last round + new draft.',
  });
export type Draft = z.infer<typeof DraftSchema>;

/** At most the union of the target's and the reference's top-K ids. */
const MAX_CORRECTION_IDS = 2 * HARD_CAPS.topK;

export const CorrectionSchema = z
  .looseObject({
    /** Output index (0-based, in the session's output) of the token being corrected. */
    position: TokenCountSchema,
    /** Support of the correction: the target's top-K ids, plus any the reference reports. */
    ids: tokenListSchema(MAX_CORRECTION_IDS).min(1, { error: 'expected at least one id' }),
    /** log p(id) at temperature; null when the target did not report this id (it is in targetTail). */
    targetLogprobs: z.array(LogprobOrNullSchema).max(MAX_CORRECTION_IDS),
    /** log s(id) at temperature; null when the reference did not report this id (it is in referenceTail). */
    referenceLogprobs: z.array(LogprobOrNullSchema).max(MAX_CORRECTION_IDS),
    /** log of the target's mass outside its reported ids; null when that mass is zero. */
    targetTail: LogprobOrNullSchema,
    /** log of the reference's mass outside its reported ids; null when that mass is zero. */
    referenceTail: LogprobOrNullSchema,
  })
  .superRefine((correction, ctx) => {
    const n = correction.ids.length;
    for (const key of ['targetLogprobs', 'referenceLogprobs'] as const) {
      if (correction[key].length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `expected ${n} entries, one per id (got ${correction[key].length})`,
        });
      }
    }
    const seen = new Set<number>();
    correction.ids.forEach((id, index) => {
      if (seen.has(id)) {
        ctx.addIssue({ code: 'custom', path: ['ids', index], message: `duplicate id ${id}` });
      }
      seen.add(id);
    });
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
    /** a: how many of the draft tokens were accepted (a prefix). */
    accepted: z.number().int().min(0).max(HARD_CAPS.draftTokens),
    /** What the device recovers from; null exactly when the session finished. */
    correction: CorrectionSchema.nullable(),
    /** Why the session finished this round; absent or null while it goes on. */
    finish: FinishReasonSchema.nullable().optional(),
    /** |O| after this round: the output length before the device's recovered token. */
    committedTokens: TokenCountSchema,
    /** Server time spent scoring, for client metrics. */
    timing: z.looseObject({ scoreMs: z.number().min(0) }).optional(),
  })
  .superRefine((verdict, ctx) => {
    const finished = verdict.finish != null;
    if (finished && verdict.correction !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['correction'],
        message: 'expected null when finish is set',
      });
    }
    if (!finished && verdict.correction === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['correction'],
        message: 'expected a correction unless finish is set',
      });
    }
    if (verdict.correction !== null && verdict.correction.position !== verdict.committedTokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['correction', 'position'],
        message: `expected the position to equal committedTokens (${verdict.committedTokens})`,
      });
    }
  })
  .meta({ id: 'Verdict', description: 'server → client: accepted count + correction or finish.' });
export type Verdict = z.infer<typeof VerdictSchema>;
