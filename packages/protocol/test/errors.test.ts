import { describe, expect, it } from 'vitest';
import {
  ERROR_CODE_INFO,
  ErrorCode,
  ErrorCodeSchema,
  SpecSteerError,
  isErrorMessage,
  parseServerFrame,
} from '../src/index.ts';

describe('error codes', () => {
  it('are listed once, each with a scope, a retry rule and a meaning', () => {
    const codes = Object.values(ErrorCode);
    expect(Object.keys(ErrorCode)).toEqual(codes); // key and wire value are the same word
    expect(Object.keys(ERROR_CODE_INFO).sort()).toEqual([...codes].sort());
    expect(ErrorCodeSchema.options).toEqual(codes);
    for (const info of Object.values(ERROR_CODE_INFO))
      expect(info.meaning.length).toBeGreaterThan(20);
  });

  it('end the connection for handshake failures, and nothing for a refused message', () => {
    for (const code of [
      'BAD_FRAME',
      'UNSUPPORTED_VERSION',
      'UNAUTHORIZED',
      'TOKENIZER_MISMATCH',
    ] as const) {
      expect(ERROR_CODE_INFO[code].scope).toBe('connection');
    }
    expect(ERROR_CODE_INFO.DRAFT_TOO_LONG.scope).toBe('message');
    expect(ERROR_CODE_INFO.OUT_OF_ORDER_ROUND.scope).toBe('session');
  });
});

describe('SpecSteerError', () => {
  it('becomes an error frame that the server schema accepts, and comes back the same', () => {
    const error = new SpecSteerError(
      ErrorCode.RATE_LIMITED,
      'slow down',
      { retryAfterMs: 500 },
      { sessionId: 's' },
    );
    const frame = error.toFrame();
    expect(frame).toEqual({
      type: 'error',
      code: 'RATE_LIMITED',
      message: 'slow down',
      sessionId: 's',
      data: { retryAfterMs: 500 },
    });
    expect(isErrorMessage(frame)).toBe(true);
    const back = SpecSteerError.fromFrame(frame);
    expect([back.code, back.message, back.data, back.sessionId, back.retryable]).toEqual([
      'RATE_LIMITED',
      'slow down',
      { retryAfterMs: 500 },
      's',
      true,
    ]);
    expect(back).toBeInstanceOf(Error);
  });

  it('reads an error code from a newer server as INTERNAL, keeping the original code', () => {
    const parsed = parseServerFrame(
      JSON.stringify({ type: 'error', code: 'QUOTA_EXCEEDED', message: 'm' }),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.message.type !== 'error') return;
    const error = SpecSteerError.fromFrame(parsed.message);
    expect(error.code).toBe('INTERNAL');
    expect(error.data).toEqual({ code: 'QUOTA_EXCEEDED' });
  });

  it('refuses a malformed error code or an empty message', () => {
    expect(isErrorMessage({ type: 'error', code: 'lower case', message: 'm' })).toBe(false);
    expect(isErrorMessage({ type: 'error', code: 'INTERNAL', message: '' })).toBe(false);
  });
});
