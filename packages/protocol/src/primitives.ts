// The value types that messages are built from. Each carries the bound that
// keeps a frame honest; the messages only compose them.

import { z } from 'zod';
import { HARD_CAPS } from './caps.ts';

/**
 * A token id of the shared vocabulary: an integer in [0, 2^31). Whether it is
 * below the vocabulary size is a semantic check (`checkTokenRange`), because
 * the size is only known after `welcome`.
 */
export const TokenIdSchema = z
  .number({ error: 'expected a token id (integer)' })
  .int({ error: 'expected a token id (integer)' })
  .min(0, { error: 'expected a token id ≥ 0' })
  .max(HARD_CAPS.tokenIdExclusive - 1, { error: 'expected a token id < 2^31' });
export type TokenId = z.infer<typeof TokenIdSchema>;

/** A list of token ids of at most `max` entries. */
export function tokenListSchema(max: number) {
  return z.array(TokenIdSchema).max(max, { error: `expected at most ${max} token ids` });
}

/**
 * A natural-log probability: finite and ≤ 0. JSON has no -Infinity, so a
 * probability of zero is never sent as a number: see LogprobOrNullSchema.
 */
export const LogprobSchema = z
  .number({ error: 'expected a finite log-probability' })
  .max(0, { error: 'expected a log-probability ≤ 0' });
export type Logprob = z.infer<typeof LogprobSchema>;

/**
 * A log-probability or `null`. `null` stands for log 0 = -Infinity (a mass of
 * exactly zero) or, in a correction, "this model did not report this id" (its
 * probability is inside that model's tail mass). Decode with `logprobFromWire`.
 */
export const LogprobOrNullSchema = LogprobSchema.nullable();
export type LogprobOrNull = z.infer<typeof LogprobOrNullSchema>;

/** `null` on the wire → -Infinity in memory. */
export function logprobFromWire(value: LogprobOrNull): number {
  return value === null ? Number.NEGATIVE_INFINITY : value;
}

/** -Infinity (or NaN from log of nothing) in memory → `null` on the wire. */
export function logprobToWire(value: number): LogprobOrNull {
  return Number.isFinite(value) ? value : null;
}

/** Client-chosen session id: short, URL- and log-safe. */
export const SessionIdSchema = z
  .string({ error: 'expected a session id (string)' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, {
    error: 'expected a session id of 1–64 characters A–Z a–z 0–9 _ -',
  });
export type SessionId = z.infer<typeof SessionIdSchema>;

/** A round number: 0, 1, 2, … within a session. */
export const RoundSchema = z
  .number({ error: 'expected a round number (integer)' })
  .int({ error: 'expected a round number (integer)' })
  .min(0, { error: 'expected a round number ≥ 0' })
  .max(Number.MAX_SAFE_INTEGER);

/** A count of tokens (prompt or output length). */
export const TokenCountSchema = z
  .number({ error: 'expected a token count (integer)' })
  .int({ error: 'expected a token count (integer)' })
  .min(0, { error: 'expected a token count ≥ 0' })
  .max(HARD_CAPS.promptTokens + HARD_CAPS.outputTokens);

/**
 * A hash of the vocabulary the drafter (client) or the scorers (server) use,
 * e.g. "sha256:9f86…" from `tokenizerFingerprint`. Equal fingerprints mean a
 * token id names the same piece on both sides.
 */
export const TokenizerFingerprintSchema = z
  .string({ error: 'expected a tokenizer fingerprint (string)' })
  .regex(/^[A-Za-z0-9._:+/=-]{1,200}$/, {
    error: 'expected a tokenizer fingerprint of 1–200 characters A–Z a–z 0–9 . _ : + / = -',
  });

/** Free-form name/version of a program, for logs and metrics. */
export const SoftwareInfoSchema = z.looseObject({
  name: z.string().min(1).max(100),
  version: z.string().min(1).max(100),
});
