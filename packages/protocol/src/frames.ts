// Text frame ↔ message, on both sides of the WebSocket. Parsing never throws
// on bad input: it returns a coded SpecSteerError whose message names the
// failing field ("draft.tokens[3]: expected a token id (integer)").

import type { z } from 'zod';
import { HARD_CAPS } from './caps.ts';
import { whereOf } from './error-location.ts';
import { ErrorCode, SpecSteerError } from './errors.ts';
import { exceedsBytes } from './frame-size.ts';
import { formatPath } from './issue-path.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';
import { checkLimits } from './limits-check.ts';
import type { Limits } from './limits.ts';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  SERVER_MESSAGE_TYPES,
  ServerMessageSchema,
  type ClientMessage,
  type ClientMessageInput,
  type ServerMessage,
  type ServerMessageInput,
} from './messages/index.ts';

export type ParseResult<M> = { ok: true; message: M } | { ok: false; error: SpecSteerError };

/**
 * Parses a frame a client sent. With `limits` (the server's own), also checks
 * the frame size, draft length, prompt tokens, topK and maxTokens against them;
 * without, only against HARD_CAPS. Token ids against the vocabulary: `checkTokenRange`.
 */
export function parseClientFrame(text: unknown, limits?: Limits): ParseResult<ClientMessage> {
  const parsed = parseFrame(text, ClientMessageSchema, CLIENT_MESSAGE_TYPES, 'a client', limits);
  if (!parsed.ok || limits === undefined) return parsed;
  const refused = checkLimits(parsed.message, limits);
  return refused ? { ok: false, error: refused } : parsed;
}

/** Parses a frame a server sent (the client side's validation). */
export function parseServerFrame(text: unknown, limits?: Limits): ParseResult<ServerMessage> {
  return parseFrame(text, ServerMessageSchema, SERVER_MESSAGE_TYPES, 'a server', limits);
}

/**
 * Validates a message and returns its frame text, with schema defaults filled
 * in. Throws SpecSteerError (INVALID_MESSAGE, or BAD_FRAME when larger than
 * `limits.maxFrameBytes`): sending an invalid message is a bug of the sender.
 */
export function encodeFrame(
  message: ClientMessageInput | ServerMessageInput,
  limits?: Limits,
): string {
  const isClient = (CLIENT_MESSAGE_TYPES as readonly string[]).includes(message.type);
  const result = (isClient ? ClientMessageSchema : ServerMessageSchema).safeParse(message);
  if (!result.success) {
    throw schemaError(result.error.issues, message.type, message);
  }
  let text: string;
  try {
    text = JSON.stringify(result.data);
  } catch (cause) {
    // Only the free-form parts (error `data`, unknown fields) can hold a cycle or a BigInt.
    throw new SpecSteerError(
      ErrorCode.INVALID_MESSAGE,
      `${message.type}: not serializable as JSON (${cause instanceof Error ? cause.message : 'unknown reason'})`,
    );
  }
  const maxBytes = limits?.maxFrameBytes ?? HARD_CAPS.frameBytes;
  if (exceedsBytes(text, maxBytes)) {
    throw new SpecSteerError(
      ErrorCode.BAD_FRAME,
      `${message.type} frame is larger than ${maxBytes} bytes`,
      {
        maxFrameBytes: maxBytes,
      },
    );
  }
  return text;
}

function parseFrame<M>(
  text: unknown,
  schema: z.ZodType<M>,
  types: readonly string[],
  sender: string,
  limits: Limits | undefined,
): ParseResult<M> {
  if (typeof text !== 'string') {
    return badFrame('expected a text frame (JSON), got a binary or non-string frame');
  }
  const maxBytes = limits?.maxFrameBytes ?? HARD_CAPS.frameBytes;
  if (exceedsBytes(text, maxBytes)) {
    return badFrame(`frame is larger than ${maxBytes} bytes`, { maxFrameBytes: maxBytes });
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return badFrame(`frame nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`, {
      maxDepth: MAX_JSON_DEPTH,
    });
  }
  let value: unknown;
  try {
    value = readJson(text);
  } catch (cause) {
    return badFrame(
      `frame is not valid JSON (${cause instanceof Error ? cause.message : 'parse error'})`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(ErrorCode.INVALID_MESSAGE, 'frame: expected a JSON object with a "type" field', {
      path: 'frame',
    });
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !types.includes(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : String(type);
    return refuse(
      ErrorCode.INVALID_MESSAGE,
      `type: unknown message type ${shown}; ${sender} sends one of ${types.join(', ')}`,
      { path: 'type' },
      whereOf(value),
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, error: schemaError(result.error.issues, type, value) };
}

/**
 * JSON.parse, minus any "__proto__" key: JSON.parse makes it an own property,
 * and copying it onto a parsed object would replace that object's prototype.
 */
function readJson(text: string): unknown {
  if (!text.includes('"__proto__"')) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

function schemaError(
  issues: readonly z.core.$ZodIssue[],
  type: string,
  value: unknown,
): SpecSteerError {
  const shown = issues.slice(0, 10).map((issue) => {
    const specific = mostSpecificIssue(issue);
    return { issue: specific, path: formatPath(type, specific.path), message: readable(specific) };
  });
  const first = shown[0] as (typeof shown)[number];
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
      : '';
  return new SpecSteerError(
    codeForIssue(type, first.issue),
    `${first.path}: ${first.message}${more}`,
    { path: first.path, issues: shown.map(({ path, message }) => ({ path, message })) },
    whereOf(value),
  );
}

function readable(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && issue.errors.length === 0 && 'inclusive' in issue) {
    return 'expected exactly one of the alternatives (e.g. prompt.messages or prompt.tokens), not several';
  }
  return issue.message
    .replace(/^Invalid input: /, '')
    .replace(/^expected (.+), received undefined$/, 'required field is missing (expected $1)');
}

/** Too-long drafts and prompts get their own codes, even when over the hard caps. */
function codeForIssue(type: string, issue: z.core.$ZodIssue): ErrorCode {
  if (issue.code !== 'too_big' || issue.origin !== 'array') return ErrorCode.INVALID_MESSAGE;
  const [first, second] = issue.path;
  if (type === 'draft' && first === 'tokens' && issue.path.length === 1)
    return ErrorCode.DRAFT_TOO_LONG;
  if ((type === 'open' || type === 'resume') && first === 'prompt' && issue.path.length === 2) {
    if (second === 'tokens' || second === 'messages') return ErrorCode.PROMPT_TOO_LONG;
  }
  return ErrorCode.INVALID_MESSAGE;
}

/**
 * The issue to show for one zod issue. A union that no option matched (the prompt's
 * messages | tokens) reports every option's issues: show the option that got
 * furthest (deepest path), so "prompt.tokens[0]" beats "prompt.messages".
 */
function mostSpecificIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  let bestDepth = -1;
  for (const option of issue.errors) {
    const candidate = option[0];
    if (!candidate) continue;
    // An option that only misses its key (prompt.messages absent) got less far than one that has it.
    const depth = candidate.path.length + (isMissingField(candidate) ? 0 : 0.5);
    if (depth > bestDepth) [best, bestDepth] = [candidate, depth];
  }
  if (!best) return issue;
  const nested = mostSpecificIssue(best);
  return { ...nested, path: [...issue.path, ...nested.path] } as z.core.$ZodIssue;
}

function isMissingField(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
}

function badFrame(message: string, data?: Record<string, unknown>): ParseResult<never> {
  return refuse(ErrorCode.BAD_FRAME, message, data);
}

function refuse(
  code: ErrorCode,
  message: string,
  data?: Record<string, unknown>,
  where?: { sessionId?: string; round?: number },
): ParseResult<never> {
  return { ok: false, error: new SpecSteerError(code, message, data, where) };
}
