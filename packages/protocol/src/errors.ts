// Every error code in one place, with what it means and what it does to the
// connection and the session, so the server, the client and the README agree.

import { z } from 'zod';

/** Stable error codes; the values are what goes on the wire. */
export const ErrorCode = {
  BAD_FRAME: 'BAD_FRAME',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN_ORIGIN: 'FORBIDDEN_ORIGIN',
  TOKENIZER_MISMATCH: 'TOKENIZER_MISMATCH',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_MANY_SESSIONS: 'TOO_MANY_SESSIONS',
  UNKNOWN_SESSION: 'UNKNOWN_SESSION',
  SESSION_EXISTS: 'SESSION_EXISTS',
  OUT_OF_ORDER_ROUND: 'OUT_OF_ORDER_ROUND',
  DRAFT_TOO_LONG: 'DRAFT_TOO_LONG',
  PROMPT_TOO_LONG: 'PROMPT_TOO_LONG',
  TOKEN_OUT_OF_RANGE: 'TOKEN_OUT_OF_RANGE',
  SESSION_FINISHED: 'SESSION_FINISHED',
  IDLE_TIMEOUT: 'IDLE_TIMEOUT',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  BACKEND_TIMEOUT: 'BACKEND_TIMEOUT',
  SERVER_SHUTTING_DOWN: 'SERVER_SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The known codes. The `error` message itself accepts any well-formed code (see ErrorMessageSchema). */
export const ErrorCodeSchema = z.enum(ErrorCode);

export function isErrorCode(code: unknown): code is ErrorCode {
  return ErrorCodeSchema.safeParse(code).success;
}

/**
 * What an error ends:
 * - `connection`: the server sends the error, then closes the WebSocket.
 * - `session`: the named session is forgotten; the connection and other sessions go on.
 * - `message`: only this frame is refused; nothing changed on the server.
 * Before `welcome`, every error ends the connection.
 */
export type ErrorScope = 'connection' | 'session' | 'message';

export interface ErrorCodeInfo {
  scope: ErrorScope;
  /** Whether the same request can succeed later without changing it (for `session` scope: by `resume`). */
  retryable: boolean;
  /** What it means and what the receiver should do. */
  meaning: string;
}

export const ERROR_CODE_INFO: Readonly<Record<ErrorCode, ErrorCodeInfo>> = {
  BAD_FRAME: {
    scope: 'connection',
    retryable: false,
    meaning:
      'The frame is not JSON text, is binary, exceeds limits.maxFrameBytes or nests objects/arrays deeper than 64 levels. Fix the client.',
  },
  INVALID_MESSAGE: {
    scope: 'message',
    retryable: false,
    meaning:
      'The frame is JSON but fails the schema; the message names the field path. Fix the field.',
  },
  UNSUPPORTED_VERSION: {
    scope: 'connection',
    retryable: false,
    meaning:
      'hello.protocolVersion is not supported; data.supported lists what is. Upgrade one side.',
  },
  UNAUTHORIZED: {
    scope: 'connection',
    retryable: false,
    meaning: 'Missing or wrong apiKey, or a message other than hello before welcome.',
  },
  FORBIDDEN_ORIGIN: {
    scope: 'connection',
    retryable: false,
    meaning: 'The browser Origin is not in the server allow-list. Configure the server.',
  },
  TOKENIZER_MISMATCH: {
    scope: 'connection',
    retryable: false,
    meaning:
      'hello.tokenizerFingerprint differs from the server models; drafts would be other tokens. Use the same tokenizer.',
  },
  RATE_LIMITED: {
    scope: 'message',
    retryable: true,
    meaning: 'Too many requests; retry after data.retryAfterMs.',
  },
  TOO_MANY_SESSIONS: {
    scope: 'message',
    retryable: true,
    meaning: 'The connection holds limits.maxSessionsPerConnection sessions; close one first.',
  },
  UNKNOWN_SESSION: {
    scope: 'message',
    retryable: true,
    meaning:
      'No session with this id on this connection (never opened, closed, or another replica); send resume.',
  },
  SESSION_EXISTS: {
    scope: 'message',
    retryable: false,
    meaning:
      'open or resume used an id that is already open on this connection; choose another id.',
  },
  OUT_OF_ORDER_ROUND: {
    scope: 'session',
    retryable: true,
    meaning:
      'draft.round is not the round the server expects (data.expected), or committed is missing/extra; resume to resync.',
  },
  DRAFT_TOO_LONG: {
    scope: 'message',
    retryable: false,
    meaning:
      'More draft tokens than limits.maxDraftTokens, or than the tokens left before maxTokens.',
  },
  PROMPT_TOO_LONG: {
    scope: 'message',
    retryable: false,
    meaning: 'The prompt (after the chat template) exceeds limits.maxPromptTokens; shorten it.',
  },
  TOKEN_OUT_OF_RANGE: {
    scope: 'message',
    retryable: false,
    meaning: 'A token id is not below welcome.vocabSize; the data names the field.',
  },
  SESSION_FINISHED: {
    scope: 'message',
    retryable: false,
    meaning: 'The session already reached a stop token or maxTokens; close it.',
  },
  IDLE_TIMEOUT: {
    scope: 'session',
    retryable: true,
    meaning:
      'Nothing arrived for limits.idleTimeoutMs; the session (or, with no sessionId, the connection) was dropped. Resume.',
  },
  BACKEND_UNAVAILABLE: {
    scope: 'message',
    retryable: true,
    meaning: 'A scoring model is down or not ready; retry later or on another replica (resume).',
  },
  BACKEND_TIMEOUT: {
    scope: 'message',
    retryable: true,
    meaning: 'Scoring took too long; the round was not applied, send the same draft again.',
  },
  SERVER_SHUTTING_DOWN: {
    scope: 'connection',
    retryable: true,
    meaning: 'The replica is draining; reconnect (another replica) and resume every session.',
  },
  INTERNAL: {
    scope: 'session',
    retryable: true,
    meaning:
      'A server bug; details are in the server log, not here. Resume, and report it if it repeats.',
  },
};

/** The fields of an `error` frame other than `type`; see ErrorMessageSchema. */
export interface ErrorFrameFields {
  code: string;
  message: string;
  sessionId?: string;
  round?: number;
  data?: Record<string, unknown>;
}

/**
 * The one error type of the protocol: a stable code, a message a person can
 * act on, optional structured data. `toFrame()` is what the server sends.
 */
export class SpecSteerError extends Error {
  override readonly name = 'SpecSteerError';
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;
  sessionId: string | undefined;
  round: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    data?: Record<string, unknown>,
    where?: { sessionId?: string | undefined; round?: number | undefined },
  ) {
    super(message);
    this.code = code;
    this.data = data;
    this.sessionId = where?.sessionId;
    this.round = where?.round;
  }

  get scope(): ErrorScope {
    return ERROR_CODE_INFO[this.code].scope;
  }

  get retryable(): boolean {
    return ERROR_CODE_INFO[this.code].retryable;
  }

  /** The `error` frame for this error (only the fields that are set). */
  toFrame(): { type: 'error' } & ErrorFrameFields {
    return {
      type: 'error',
      code: this.code,
      message: this.message,
      ...(this.sessionId !== undefined && { sessionId: this.sessionId }),
      ...(this.round !== undefined && { round: this.round }),
      ...(this.data !== undefined && { data: this.data }),
    };
  }

  /**
   * The error a received `error` frame describes. A code this version does not
   * know (from a newer server) becomes INTERNAL with the original in data.code.
   */
  static fromFrame(frame: ErrorFrameFields): SpecSteerError {
    const where = { sessionId: frame.sessionId, round: frame.round };
    if (isErrorCode(frame.code))
      return new SpecSteerError(frame.code, frame.message, frame.data, where);
    return new SpecSteerError(
      ErrorCode.INTERNAL,
      frame.message,
      { ...frame.data, code: frame.code },
      where,
    );
  }
}
