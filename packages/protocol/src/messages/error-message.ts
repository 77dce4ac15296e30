// The `error` frame. Its code is any well-formed code, not only the ones this
// version knows, so an older client still reads a newer server's errors
// (SpecSteerError.fromFrame maps an unknown code to INTERNAL).

import { z } from 'zod';
import { HARD_CAPS } from '../caps.ts';
import { ErrorCodeSchema } from '../errors.ts';
import { RoundSchema, SessionIdSchema } from '../primitives.ts';

const FutureErrorCodeSchema = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/);

export const ErrorMessageSchema = z
  .looseObject({
    type: z.literal('error'),
    code: z.union([ErrorCodeSchema, FutureErrorCodeSchema]),
    /** What went wrong and what to do, for a person. Never private data. */
    message: z.string().min(1).max(HARD_CAPS.errorMessageChars),
    /** The session the error is about, when it is about one. */
    sessionId: SessionIdSchema.optional(),
    /** The round the error is about, when it is about one. */
    round: RoundSchema.optional(),
    /** Structured details: e.g. {path} for INVALID_MESSAGE, {retryAfterMs}, {expected}. */
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    id: 'ErrorMessage',
    description: 'server → client: a refused frame or a dropped session.',
  });
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
