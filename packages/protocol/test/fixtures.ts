// One valid instance of every message, as a sender would build it. Tests
// mutate these; the README carries its own copies (checked separately).

import {
  DEFAULT_LIMITS,
  PROTOCOL_VERSION,
  type ClientMessageInput,
  type ServerMessageInput,
} from '../src/index.ts';

export const VOCAB_SIZE = 1024;

export const validClientMessages = {
  hello: {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    apiKey: 'sk-test',
    tokenizerFingerprint: '3f9a0c1e2b4d5a67',
    client: { name: 'test', version: '0.0.0' },
  },
  open: {
    type: 'open',
    sessionId: 'chat-1',
    prompt: { messages: [{ role: 'user', content: 'Write a note to the team.' }] },
    sampling: { temperature: 0.8, seed: 42, topK: 4, maxTokens: 8, stopTokens: [2] },
  },
  draft: {
    type: 'draft',
    sessionId: 'chat-1',
    round: 1,
    committed: [640],
    tokens: [55, 71, 13],
  },
  resume: {
    type: 'resume',
    sessionId: 'chat-1',
    prompt: { tokens: [1, 17, 400, 9] },
    sampling: { temperature: 0, seed: 7, topK: 20, maxTokens: 64 },
    committedTokens: [311, 87, 640],
    round: 2,
  },
  close: { type: 'close', sessionId: 'chat-1', committed: [2] },
  ping: { type: 'ping', nonce: 'n1' },
} satisfies Record<string, ClientMessageInput>;

export const validServerMessages = {
  welcome: {
    type: 'welcome',
    protocolVersion: PROTOCOL_VERSION,
    model: { family: 'personaworld', target: 'pw-large' },
    tokenizerFingerprint: '3f9a0c1e2b4d5a67',
    vocabSize: VOCAB_SIZE,
    limits: DEFAULT_LIMITS,
  },
  opened: { type: 'opened', sessionId: 'chat-1', promptTokens: 4, promptTokenIds: [1, 17, 400, 9] },
  verdict: {
    type: 'verdict',
    sessionId: 'chat-1',
    round: 0,
    corrections: [
      {
        position: 2,
        ids: [640, 87, 12, 900],
        top: 3,
        logprobs: [-0.69, -1.61, -2.3, -3.0],
        tail: -1.908,
        tailSample: 1000,
      },
    ],
    committedTokens: 2,
    timing: { scoreMs: 12.5 },
  },
  finishedVerdict: {
    type: 'verdict',
    sessionId: 'chat-1',
    round: 2,
    corrections: null,
    finish: 'stop',
    committedTokens: 8,
  },
  resumed: { type: 'resumed', sessionId: 'chat-1', promptTokens: 4, committedTokens: 3, round: 2 },
  closed: { type: 'closed', sessionId: 'chat-1', reason: 'client', committedTokens: 8 },
  error: {
    type: 'error',
    code: 'OUT_OF_ORDER_ROUND',
    message: 'draft.round: expected round 3, got 5; resume to resync',
    sessionId: 'chat-1',
    round: 5,
    data: { expected: 3 },
  },
  pong: { type: 'pong', nonce: 'n1' },
} satisfies Record<string, ServerMessageInput>;

/** A deep copy to mutate. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * A deep copy to break on purpose, at any depth. Untyped is the honest type
 * for a message a test is about to make invalid.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Breakable = any;
export function breakable(value: unknown): Breakable {
  return structuredClone(value);
}

export const frame = (value: unknown): string => JSON.stringify(value);
