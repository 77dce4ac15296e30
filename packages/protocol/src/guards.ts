// Type guards built on the schemas, so a guard can never disagree with parsing.

import type { z } from 'zod';
import {
  ClientMessageSchema,
  CloseSchema,
  ClosedSchema,
  DraftSchema,
  ErrorMessageSchema,
  HelloSchema,
  OpenSchema,
  OpenedSchema,
  PingSchema,
  PongSchema,
  ResumeSchema,
  ResumedSchema,
  ServerMessageSchema,
  VerdictSchema,
  WelcomeSchema,
} from './messages/index.ts';

function guardOf<S extends z.ZodType>(schema: S) {
  return (value: unknown): value is z.infer<S> => schema.safeParse(value).success;
}

export const isHello = guardOf(HelloSchema);
export const isWelcome = guardOf(WelcomeSchema);
export const isOpen = guardOf(OpenSchema);
export const isOpened = guardOf(OpenedSchema);
export const isDraft = guardOf(DraftSchema);
export const isVerdict = guardOf(VerdictSchema);
export const isResume = guardOf(ResumeSchema);
export const isResumed = guardOf(ResumedSchema);
export const isClose = guardOf(CloseSchema);
export const isClosed = guardOf(ClosedSchema);
export const isErrorMessage = guardOf(ErrorMessageSchema);
export const isPing = guardOf(PingSchema);
export const isPong = guardOf(PongSchema);
export const isClientMessage = guardOf(ClientMessageSchema);
export const isServerMessage = guardOf(ServerMessageSchema);
