import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  ErrorCode,
  SpecSteerError,
  encodeFrame,
  parseClientFrame,
  parseServerFrame,
  utf8ByteLength,
  type Limits,
} from '../src/index.ts';
import { breakable, frame, validClientMessages, validServerMessages } from './fixtures.ts';

function refusal(text: unknown, limits?: Limits) {
  const result = parseClientFrame(text, limits);
  if (result.ok) throw new Error(`expected ${String(text)} to be refused`);
  return result.error;
}

describe('malformed frames', () => {
  it('are BAD_FRAME when not JSON text', () => {
    for (const text of ['', '{', 'hello', '{"type":"ping",}', "{'type':'ping'}"]) {
      expect(refusal(text).code).toBe(ErrorCode.BAD_FRAME);
    }
    expect(refusal(new Uint8Array([123, 125])).message).toMatch(/expected a text frame/);
  });

  it('are INVALID_MESSAGE when JSON but not an object', () => {
    for (const text of ['[]', 'null', '42', '"draft"', 'true']) {
      const error = refusal(text);
      expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
      expect(error.data?.path).toBe('frame');
    }
  });

  it('are BAD_FRAME when larger than the announced maxFrameBytes, counted in UTF-8 bytes', () => {
    const limits = { ...DEFAULT_LIMITS, maxFrameBytes: 4096 };
    const open = breakable(validClientMessages.open);
    open.prompt.messages[0].content = 'é'.repeat(2100); // 2,100 characters, 4,200 bytes
    const error = refusal(frame(open), limits);
    expect(error.code).toBe(ErrorCode.BAD_FRAME);
    expect(error.data?.maxFrameBytes).toBe(4096);
    expect(parseClientFrame(frame(open)).ok).toBe(true);
  });

  it('name the failing field path, the session and the round', () => {
    const error = refusal(frame({ ...validClientMessages.draft, tokens: [5, 6, 7, 8.5] }));
    expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(error.message).toBe('draft.tokens[3]: expected a token id (integer)');
    expect(error.toFrame()).toEqual({
      type: 'error',
      code: 'INVALID_MESSAGE',
      message: 'draft.tokens[3]: expected a token id (integer)',
      sessionId: 'chat-1',
      round: 1,
      data: {
        path: 'draft.tokens[3]',
        issues: [{ path: 'draft.tokens[3]', message: 'expected a token id (integer)' }],
      },
    });
  });

  it('say when a required field is missing, and count the other problems', () => {
    const error = refusal(frame({ type: 'draft', round: -1 }));
    expect(error.message).toBe(
      'draft.sessionId: expected a session id (string) (and 2 more problems)',
    );
    expect(error.data?.issues).toEqual([
      { path: 'draft.sessionId', message: 'expected a session id (string)' },
      { path: 'draft.round', message: 'expected a round number ≥ 0' },
      { path: 'draft.tokens', message: 'required field is missing (expected array)' },
    ]);
  });

  it('refuse negative token ids and ids at 2^31', () => {
    expect(refusal(frame({ ...validClientMessages.draft, committed: [-1] })).data?.path).toBe(
      'draft.committed[0]',
    );
    expect(refusal(frame({ ...validClientMessages.draft, tokens: [2 ** 31] })).data?.path).toBe(
      'draft.tokens[0]',
    );
  });

  it('drop a "__proto__" key instead of letting it replace a prototype', () => {
    const result = parseClientFrame('{"type":"ping","nonce":"a","__proto__":{"polluted":true}}');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.message)).toBe(Object.prototype);
    expect((result.message as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the server limits, checked when parseClientFrame is given them', () => {
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    maxDraftTokens: 4,
    maxPromptTokens: 3,
    maxTopK: 4,
    maxTokens: 32,
  };

  it('refuse a draft longer than maxDraftTokens with DRAFT_TOO_LONG', () => {
    const error = refusal(frame({ ...validClientMessages.draft, tokens: [1, 2, 3, 4, 5] }), limits);
    expect(error.code).toBe(ErrorCode.DRAFT_TOO_LONG);
    expect(error.message).toBe('draft.tokens: 5 draft tokens; this server takes at most 4');
    expect(error.round).toBe(1);
    expect(
      parseClientFrame(frame({ ...validClientMessages.draft, tokens: [1, 2, 3, 4] }), limits).ok,
    ).toBe(true);
  });

  it('refuse a token prompt longer than maxPromptTokens with PROMPT_TOO_LONG', () => {
    expect(refusal(frame(validClientMessages.resume), limits).code).toBe(ErrorCode.PROMPT_TOO_LONG);
  });

  it('refuse topK and maxTokens above the announced ones, naming the field', () => {
    const open = breakable(validClientMessages.open);
    open.sampling.topK = 5;
    expect(refusal(frame(open), limits).data?.path).toBe('open.sampling.topK');
    open.sampling.topK = 4;
    open.sampling.maxTokens = 33;
    expect(refusal(frame(open), limits).data?.path).toBe('open.sampling.maxTokens');
  });

  it('refuse a resume that already has more output than maxTokens', () => {
    const resume = breakable(validClientMessages.resume);
    resume.sampling.maxTokens = 2;
    expect(parseClientFrame(frame(resume)).ok).toBe(true); // hard caps alone cannot know
    const error = refusal(frame(resume), DEFAULT_LIMITS);
    expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(error.data?.path).toBe('resume.committedTokens');
  });
});

describe('encodeFrame', () => {
  it('round-trips every valid message, filling defaults', () => {
    for (const message of Object.values(validClientMessages)) {
      const parsed = parseClientFrame(encodeFrame(message));
      expect(parsed.ok).toBe(true);
    }
    for (const message of Object.values(validServerMessages)) {
      const parsed = parseServerFrame(encodeFrame(message));
      expect(parsed.ok).toBe(true);
    }
    expect(JSON.parse(encodeFrame(validClientMessages.open)).sampling.stopTokens).toEqual([2]);
  });

  it('throws a coded error for an invalid message: sending one is a bug of the sender', () => {
    const bad = { ...validClientMessages.draft, tokens: [-1] };
    expect(() => encodeFrame(bad)).toThrow(SpecSteerError);
    expect(() => encodeFrame(bad)).toThrow('draft.tokens[0]: expected a token id ≥ 0');
  });

  it('throws INVALID_MESSAGE, not a TypeError, for error data that JSON cannot carry', () => {
    const data: Record<string, unknown> = { size: 10n };
    const error = { type: 'error', code: 'INTERNAL', message: 'x', data } as const;
    expect(() => encodeFrame(error)).toThrow(SpecSteerError);
  });

  it('throws BAD_FRAME for a frame over the limit', () => {
    const limits = { ...DEFAULT_LIMITS, maxFrameBytes: 4096 };
    const open = breakable(validClientMessages.open);
    open.prompt.messages[0].content = 'x'.repeat(5000);
    try {
      encodeFrame(open as typeof validClientMessages.open, limits);
      expect.unreachable();
    } catch (error) {
      expect((error as SpecSteerError).code).toBe(ErrorCode.BAD_FRAME);
    }
  });
});

describe('utf8ByteLength', () => {
  it('counts like UTF-8: 1, 2, 3 and 4-byte code points, lone surrogates as 3', () => {
    expect(utf8ByteLength('a')).toBe(1);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
    expect(utf8ByteLength('\ud800')).toBe(3);
    const sample = 'aé€😀\ud800x';
    expect(utf8ByteLength(sample)).toBe(new TextEncoder().encode(sample).length);
  });
});
