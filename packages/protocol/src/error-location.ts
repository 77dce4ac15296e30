// Which session and round an error is about, read from a message (or from a
// frame that failed its schema, when those two fields are well-formed).

import { RoundSchema, SessionIdSchema } from './primitives.ts';

export function whereOf(value: unknown): { sessionId?: string; round?: number } {
  if (typeof value !== 'object' || value === null) return {};
  const { sessionId, round } = value as { sessionId?: unknown; round?: unknown };
  return {
    ...(SessionIdSchema.safeParse(sessionId).success && { sessionId: sessionId as string }),
    ...(RoundSchema.safeParse(round).success && { round: round as number }),
  };
}
