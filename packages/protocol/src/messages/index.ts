// Every message as a schema, and the two directions as discriminated unions.

import { z } from 'zod';
import { ErrorMessageSchema } from './error-message.ts';
import { HelloSchema, WelcomeSchema } from './handshake.ts';
import { PingSchema, PongSchema } from './liveness.ts';
import { DraftSchema, VerdictSchema } from './round.ts';
import {
  CloseSchema,
  ClosedSchema,
  OpenSchema,
  OpenedSchema,
  ResumeSchema,
  ResumedSchema,
} from './session.ts';

export * from './error-message.ts';
export * from './handshake.ts';
export * from './liveness.ts';
export * from './round.ts';
export * from './session.ts';

export const ClientMessageSchema = z
  .discriminatedUnion('type', [
    HelloSchema,
    OpenSchema,
    DraftSchema,
    ResumeSchema,
    CloseSchema,
    PingSchema,
  ])
  .meta({ id: 'ClientMessage', description: 'Any frame a client sends.' });
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** What a client may construct before defaults are filled in (e.g. sampling.stopTokens omitted). */
export type ClientMessageInput = z.input<typeof ClientMessageSchema>;

export const ServerMessageSchema = z
  .discriminatedUnion('type', [
    WelcomeSchema,
    OpenedSchema,
    VerdictSchema,
    ResumedSchema,
    ClosedSchema,
    ErrorMessageSchema,
    PongSchema,
  ])
  .meta({ id: 'ServerMessage', description: 'Any frame a server sends.' });
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageInput = z.input<typeof ServerMessageSchema>;

export type ClientMessageType = ClientMessage['type'];
export type ServerMessageType = ServerMessage['type'];

export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ClientMessageSchema.options.map(
  (option) => option.shape.type.value,
);
export const SERVER_MESSAGE_TYPES: readonly ServerMessageType[] = ServerMessageSchema.options.map(
  (option) => option.shape.type.value,
);
