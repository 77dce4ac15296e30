// hello → welcome: the first exchange on a connection. It fixes the protocol
// version, authenticates, and proves that both sides mean the same piece by
// the same token id (the tokenizer fingerprint) before any token is sent.

import { z } from 'zod';
import { LimitsSchema } from '../limits.ts';
import { SoftwareInfoSchema, TokenizerFingerprintSchema } from '../primitives.ts';

export const HelloSchema = z
  .looseObject({
    type: z.literal('hello'),
    /**
     * Any string, so that an unknown version is answered with UNSUPPORTED_VERSION
     * (naming what is supported) rather than a schema error.
     */
    protocolVersion: z.string().min(1).max(64),
    apiKey: z.string().min(1).max(512).optional(),
    /** Fingerprint of the vocabulary the client's drafter uses. */
    tokenizerFingerprint: TokenizerFingerprintSchema,
    client: SoftwareInfoSchema.optional(),
  })
  .meta({ id: 'Hello', description: 'client → server: first frame on a connection.' });
export type Hello = z.infer<typeof HelloSchema>;

export const ModelInfoSchema = z.looseObject({
  /** Tokenizer/model family shared by the drafter and the target, e.g. "qwen2.5" or "personaworld". */
  family: z.string().min(1).max(100),
  /** The large cloud model p (the device computes s with its own small model). */
  target: z.string().min(1).max(200),
});

export const WelcomeSchema = z
  .looseObject({
    type: z.literal('welcome'),
    /** The version the server will speak on this connection (the client's). */
    protocolVersion: z.string().min(1).max(64),
    model: ModelInfoSchema,
    tokenizerFingerprint: TokenizerFingerprintSchema,
    /** Token ids must be below this (see checkTokenRange). */
    vocabSize: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31),
    limits: LimitsSchema,
    server: SoftwareInfoSchema.optional(),
  })
  .meta({ id: 'Welcome', description: 'server → client: the handshake succeeded.' });
export type Welcome = z.infer<typeof WelcomeSchema>;
