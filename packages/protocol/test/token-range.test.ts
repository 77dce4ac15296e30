import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  checkTokenRange,
  type ClientMessage,
  type ServerMessage,
} from '../src/index.ts';
import { VOCAB_SIZE, breakable, validClientMessages, validServerMessages } from './fixtures.ts';
import { parseClientFrame, parseServerFrame } from '../src/index.ts';

function client(value: unknown): ClientMessage {
  const result = parseClientFrame(JSON.stringify(value));
  if (!result.ok) throw result.error;
  return result.message;
}

function server(value: unknown): ServerMessage {
  const result = parseServerFrame(JSON.stringify(value));
  if (!result.ok) throw result.error;
  return result.message;
}

describe('checkTokenRange', () => {
  it('passes every valid example of a 1,024-token vocabulary', () => {
    for (const message of Object.values(validClientMessages)) {
      expect(checkTokenRange(client(message), VOCAB_SIZE)).toBeNull();
    }
    for (const message of Object.values(validServerMessages)) {
      expect(checkTokenRange(server(message), VOCAB_SIZE)).toBeNull();
    }
  });

  it('names the first id at or above the vocabulary size', () => {
    const error = checkTokenRange(
      client({ ...validClientMessages.draft, tokens: [5, 1023, 1024, 9999] }),
      1024,
    );
    expect(error?.code).toBe(ErrorCode.TOKEN_OUT_OF_RANGE);
    expect(error?.message).toBe(
      'draft.tokens[2]: token id 1024 is not below the vocabulary size 1024',
    );
    expect(error?.toFrame()).toMatchObject({ sessionId: 'chat-1', round: 1 });
  });

  it('checks the piggybacked recovery token, the prompt, stop tokens, committed tokens and the close token', () => {
    const at = (message: ClientMessage) => checkTokenRange(message, 100)?.data?.path;
    expect(at(client({ ...validClientMessages.draft, committed: [5, 100], tokens: [] }))).toBe(
      'draft.committed[1]',
    );
    expect(at(client({ ...validClientMessages.close, committed: [640] }))).toBe(
      'close.committed[0]',
    );
    const resume = breakable(validClientMessages.resume);
    resume.prompt.tokens = [1, 2];
    resume.committedTokens = [3, 4];
    resume.sampling.stopTokens = [2, 500];
    expect(at(client(resume))).toBe('resume.sampling.stopTokens[1]');
    resume.sampling.stopTokens = [];
    resume.committedTokens = [3, 400];
    expect(at(client(resume))).toBe('resume.committedTokens[1]');
    resume.prompt.tokens = [1, 200];
    expect(at(client(resume))).toBe('resume.prompt.tokens[1]');
  });

  it('checks the ids of a correction', () => {
    const error = checkTokenRange(server(validServerMessages.verdict), 700);
    expect(error?.data?.path).toBe('verdict.corrections[0].ids[3]');
    expect(checkTokenRange(server(validServerMessages.verdict), 1000)?.data?.path).toBe(
      'verdict.corrections[0].tailSample',
    );
  });
});
