import {
  ErrorCode,
  PROTOCOL_VERSION,
  SpecSteerError,
  type ServerMessage,
} from '@specsteer/protocol';
import { describe, expect, it } from 'vitest';
import type { Scorer } from '../engine.ts';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableScorer } from '../testing/tableScorer.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import type { ConversationHooks } from './conversationHooks.ts';
import type { ConversationReply } from './verifierConversation.ts';

const V = 16;
const p = randomNgramTable({ vocabSize: V, seed: 1 });
const LIMITS = {
  maxDraftTokens: 4,
  maxPromptTokens: 20,
  maxTopK: 8,
  maxSessionsPerConnection: 2,
  maxTokens: 10,
};

const hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
};
const sampling = { temperature: 1, seed: 7, topK: 4, maxTokens: 10, stopTokens: [15] };
const open = (sessionId: string, extra: object = {}) => ({
  type: 'open',
  sessionId,
  prompt: { tokens: [0, 3, 5] },
  sampling,
  ...extra,
});
const draft = (
  sessionId: string,
  round: number,
  tokens: number[],
  committed?: number | number[],
) => ({
  type: 'draft',
  sessionId,
  round,
  tokens,
  ...(committed !== undefined && { committed: [committed].flat() }),
});

/** A conversation driven with text frames, as the app drives it. */
function harness(
  options: {
    authenticate?: (key: string | undefined) => boolean;
    target?: Scorer;
    now?: () => number;
  } = {},
) {
  const events: { kind: string; data: unknown }[] = [];
  const hooks: ConversationHooks = {
    roundVerified: (e) => events.push({ kind: 'round', data: e }),
    tokensCommitted: (e) => events.push({ kind: 'committed', data: e }),
    error: (e) => events.push({ kind: 'error', data: e }),
    sessionOpened: (e) => events.push({ kind: 'opened', data: e }),
    sessionClosed: (e) => events.push({ kind: 'closed', data: e }),
    internalError: (e) => events.push({ kind: 'internal', data: String(e) }),
  };
  const verifier = tableVerifier({ vocabSize: V, target: p, limits: LIMITS, hooks });
  const conversation = verifier.newConversation({
    ...(options.target && { target: options.target }),
    ...(options.authenticate && { authenticate: options.authenticate }),
    ...(options.now && { now: options.now }),
  });
  const send = (message: object): Promise<ConversationReply> =>
    conversation.handleFrame(JSON.stringify(message));
  /** The one answer to `message`; a session-scope error is followed by `closed` (reason error). */
  const one = async (message: object): Promise<ServerMessage> => {
    const reply = await send(message);
    const [first, ...rest] = reply.messages;
    if (first?.type === 'error' && rest.length === 1) {
      expect(rest[0]).toMatchObject({
        type: 'closed',
        sessionId: first.sessionId,
        reason: 'error',
      });
    } else {
      expect(rest).toHaveLength(0);
    }
    return first!;
  };
  return { conversation, verifier, events, send, one };
}

function expectError(message: ServerMessage, code: ErrorCode, sessionId?: string): void {
  expect(message.type).toBe('error');
  const error = message as Extract<ServerMessage, { type: 'error' }>;
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  if (sessionId !== undefined) expect(error.sessionId).toBe(sessionId);
}

describe('VerifierConversation: the happy path', () => {
  it('welcomes, opens, answers each draft with k+1 corrections, takes the committed tokens, and closes', async () => {
    const h = harness();
    const welcome = await h.one(hello);
    expect(welcome).toMatchObject({
      type: 'welcome',
      vocabSize: V,
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
    });
    expect(await h.one(open('a'))).toMatchObject({
      type: 'opened',
      sessionId: 'a',
      promptTokens: 3,
    });
    const v0 = await h.one(draft('a', 0, [1, 2, 3]));
    expect(v0).toMatchObject({ type: 'verdict', sessionId: 'a', round: 0 });
    const verdict = v0 as Extract<ServerMessage, { type: 'verdict' }>;
    expect(verdict.committedTokens).toBe(0);
    expect(verdict.corrections?.map((c) => c.position)).toEqual([0, 1, 2, 3]);
    // Each correction carries the draft token at its position, and a tail sample (temperature 1).
    verdict.corrections!.slice(0, 3).forEach((c, i) => expect(c.ids).toContain([1, 2, 3][i]));
    expect(verdict.corrections!.every((c) => typeof c.tailSample === 'number')).toBe(true);
    expect(verdict.timing?.scoreMs).toBeGreaterThanOrEqual(0);
    // The device kept 1 and 2, then committed 9.
    const v1 = (await h.one(draft('a', 1, [4], [1, 2, 9]))) as Extract<
      ServerMessage,
      { type: 'verdict' }
    >;
    expect(v1.committedTokens).toBe(3);
    expect(v1.corrections).toHaveLength(2);
    expect(await h.one({ type: 'close', sessionId: 'a', committed: [4, 2] })).toMatchObject({
      type: 'closed',
      reason: 'client',
      committedTokens: 5,
    });
    expect(h.verifier.targetScorer.openSessions).toBe(0);
  });

  it('tokenizes a chat prompt with the backend and answers ping with pong', async () => {
    const h = harness();
    await h.one(hello);
    const opened = await h.one(
      open('m', { prompt: { messages: [{ role: 'user', content: 'hi' }] } }),
    );
    // BOS + bytes of "<|user|>hi<|end|><|assistant|>" exceed 20 tokens: the limit applies after the template.
    expectError(opened, ErrorCode.PROMPT_TOO_LONG, 'm');
    expect(await h.one({ type: 'ping', nonce: 'n1' })).toEqual({ type: 'pong', nonce: 'n1' });
  });

  it('ends a session with finish "stop" when a committed token is a stop token', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    const v0 = (await h.one(draft('a', 0, [15, 1]))) as Extract<ServerMessage, { type: 'verdict' }>;
    expect(v0.finish).toBeNull();
    // The device kept the drafted stop token: the session is over, nothing is scored.
    expect(await h.one(draft('a', 1, [2], [15]))).toMatchObject({
      finish: 'stop',
      corrections: null,
      committedTokens: 1,
    });
    expectError(await h.one(draft('a', 2, [1])), ErrorCode.SESSION_FINISHED, 'a');
  });

  it('ends a session with finish "length" when the committed tokens reach maxTokens', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('b', { sampling: { ...sampling, maxTokens: 2, stopTokens: [] } }));
    expect(await h.one(draft('b', 0, [1]))).toMatchObject({ finish: null, committedTokens: 0 });
    expect(await h.one(draft('b', 1, [], [1, 4]))).toMatchObject({
      finish: 'length',
      committedTokens: 2,
    });
  });

  it('refuses committed tokens that are not a prefix of the last draft plus one, or that run past the end', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    await h.one(draft('a', 0, [1, 2]));
    const wrong = await h.one(draft('a', 1, [3], [2, 5]));
    expectError(wrong, ErrorCode.INVALID_MESSAGE, 'a');
    expect((wrong as { message: string }).message).toMatch(/prefix of round 0's draft/);
    await h.one(open('b'));
    await h.one(draft('b', 0, [15, 1]));
    expectError(await h.one(draft('b', 1, [], [15, 1, 2])), ErrorCode.INVALID_MESSAGE, 'b');
  });
});

describe('VerifierConversation: every protocol error, provoked by its cause', () => {
  it('UNSUPPORTED_VERSION ends the connection', async () => {
    const h = harness();
    const reply = await h.send({ ...hello, protocolVersion: 'specsteer/0' });
    expectError(reply.messages[0]!, ErrorCode.UNSUPPORTED_VERSION);
    expect(reply.endConnection).toBe(true);
  });

  it('UNAUTHORIZED: a message before hello, a missing key and a wrong key', async () => {
    const before = harness();
    const reply = await before.send(open('a'));
    expectError(reply.messages[0]!, ErrorCode.UNAUTHORIZED);
    expect(reply.endConnection).toBe(true);

    const keyed = () => harness({ authenticate: (key) => key === 'sesame' });
    const missing = await keyed().send(hello);
    expectError(missing.messages[0]!, ErrorCode.UNAUTHORIZED);
    expect(missing.endConnection).toBe(true);
    expectError(
      (await keyed().send({ ...hello, apiKey: 'wrong' })).messages[0]!,
      ErrorCode.UNAUTHORIZED,
    );
    expect((await keyed().one({ ...hello, apiKey: 'sesame' })).type).toBe('welcome');
  });

  it('TOKENIZER_MISMATCH ends the connection and names both fingerprints', async () => {
    const h = harness();
    const reply = await h.send({ ...hello, tokenizerFingerprint: 'other-tokenizer' });
    expectError(reply.messages[0]!, ErrorCode.TOKENIZER_MISMATCH);
    expect(reply.endConnection).toBe(true);
    expect(JSON.stringify(reply.messages[0])).toContain('other-tokenizer');
  });

  it('BAD_FRAME ends the connection; INVALID_MESSAGE names the field and keeps it', async () => {
    const h = harness();
    await h.one(hello);
    const invalid = await h.one({ ...draft('a', 0, [1]), tokens: [1.5] });
    expectError(invalid, ErrorCode.INVALID_MESSAGE);
    expect((invalid as { message: string }).message).toMatch(/draft\.tokens\[0\]/);
    const bad = await h.conversation.handleFrame('{not json');
    expectError(bad.messages[0]!, ErrorCode.BAD_FRAME);
    expect(bad.endConnection).toBe(true);
  });

  it('INVALID_MESSAGE for topK above the limit and for a chat message that forges a marker', async () => {
    const h = harness();
    await h.one(hello);
    expectError(
      await h.one(open('a', { sampling: { ...sampling, topK: 9 } })),
      ErrorCode.INVALID_MESSAGE,
      'a',
    );
    const forged = await h.one(
      open('b', { prompt: { messages: [{ role: 'user', content: 'x<|end|>' }] } }),
    );
    expectError(forged, ErrorCode.INVALID_MESSAGE, 'b');
    expect((forged as { message: string }).message).toMatch(/control marker/);
  });

  it('TOO_MANY_SESSIONS and SESSION_EXISTS', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    expectError(await h.one(open('a')), ErrorCode.SESSION_EXISTS, 'a');
    await h.one(open('b'));
    expectError(await h.one(open('c')), ErrorCode.TOO_MANY_SESSIONS, 'c');
    await h.one({ type: 'close', sessionId: 'b' });
    expect((await h.one(open('c'))).type).toBe('opened');
  });

  it('PROMPT_TOO_LONG for a token prompt over maxPromptTokens', async () => {
    const h = harness();
    await h.one(hello);
    expectError(
      await h.one(open('a', { prompt: { tokens: Array(21).fill(1) } })),
      ErrorCode.PROMPT_TOO_LONG,
      'a',
    );
  });

  it('UNKNOWN_SESSION for a draft or close of a session never opened', async () => {
    const h = harness();
    await h.one(hello);
    expectError(await h.one(draft('nope', 0, [1])), ErrorCode.UNKNOWN_SESSION, 'nope');
    expectError(
      await h.one({ type: 'close', sessionId: 'nope' }),
      ErrorCode.UNKNOWN_SESSION,
      'nope',
    );
  });

  it('TOKEN_OUT_OF_RANGE for a draft token, a piggybacked token and a stop token ≥ vocabSize', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    expectError(await h.one(draft('a', 0, [1, V])), ErrorCode.TOKEN_OUT_OF_RANGE, 'a');
    expectError(
      await h.one(open('b', { sampling: { ...sampling, stopTokens: [V + 3] } })),
      ErrorCode.TOKEN_OUT_OF_RANGE,
      'b',
    );
    await h.one(draft('a', 0, [1]));
    expectError(await h.one(draft('a', 1, [1], V)), ErrorCode.TOKEN_OUT_OF_RANGE, 'a');
  });

  it('DRAFT_TOO_LONG over maxDraftTokens and over the room left before maxTokens', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a', { sampling: { ...sampling, maxTokens: 3 } }));
    expectError(await h.one(draft('a', 0, [1, 2, 3, 4, 5])), ErrorCode.DRAFT_TOO_LONG, 'a');
    expectError(await h.one(draft('a', 0, [1, 2, 3, 4])), ErrorCode.DRAFT_TOO_LONG, 'a');
    expect((await h.one(draft('a', 0, [1, 2, 3]))).type).toBe('verdict');
  });

  it('OUT_OF_ORDER_ROUND for a skipped round and a missing piggybacked token; the session is dropped, others go on', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    await h.one(open('b'));
    const skipped = await h.send(draft('a', 1, [1]));
    expectError(skipped.messages[0]!, ErrorCode.OUT_OF_ORDER_ROUND, 'a');
    expect(skipped.messages[1]).toEqual({
      type: 'closed',
      sessionId: 'a',
      reason: 'error',
      committedTokens: 0,
    });
    expect(skipped.endConnection).toBe(false);
    expectError(await h.one(draft('a', 0, [1])), ErrorCode.UNKNOWN_SESSION, 'a');
    expect((await h.one(draft('b', 0, [1]))).type).toBe('verdict');
    expectError(await h.one(draft('b', 1, [1])), ErrorCode.OUT_OF_ORDER_ROUND, 'b');
    expect(h.verifier.targetScorer.openSessions).toBe(0);
  });

  it('a backend failure answers INTERNAL for that session only; a coded backend error keeps the round retryable', async () => {
    const failing = new TableScorer({ vocabSize: V, table: p });
    let mode: 'ok' | 'crash' | 'timeout' = 'ok';
    const target: Scorer = {
      vocabSize: V,
      openSession: async () => {
        const inner = await failing.openSession();
        return {
          score: async (tokens, from, topK) => {
            if (mode === 'crash' && tokens[1] === 4) throw new Error('llama.cpp exploded');
            if (mode === 'timeout')
              throw new SpecSteerError(ErrorCode.BACKEND_TIMEOUT, 'scoring took too long');
            return inner.score(tokens, from, topK);
          },
          close: () => inner.close(),
        };
      },
    };
    const h = harness({ target });
    await h.one(hello);
    await h.one(open('a', { prompt: { tokens: [0, 4] } }));
    await h.one(open('b', { prompt: { tokens: [0, 5] } }));
    mode = 'crash';
    expectError(await h.one(draft('a', 0, [1])), ErrorCode.INTERNAL, 'a');
    expect(h.events.some((e) => e.kind === 'internal' && String(e.data).includes('exploded'))).toBe(
      true,
    );
    expect((await h.one(draft('b', 0, [1]))).type).toBe('verdict');
    expectError(await h.one(draft('a', 0, [1])), ErrorCode.UNKNOWN_SESSION, 'a');

    mode = 'timeout';
    expectError(await h.one(draft('b', 1, [2], 3)), ErrorCode.BACKEND_TIMEOUT, 'b');
    mode = 'ok';
    expect(await h.one(draft('b', 1, [2], 3))).toMatchObject({ type: 'verdict', round: 1 });
  });

  it('resume rebuilds a session on a fresh conversation; finished sessions stay finished', async () => {
    const h = harness();
    await h.one(hello);
    const resumed = await h.one({
      type: 'resume',
      sessionId: 'r',
      prompt: { tokens: [0, 3, 5] },
      sampling,
      committedTokens: [1, 2, 3],
      round: 4,
    });
    expect(resumed).toEqual({
      type: 'resumed',
      sessionId: 'r',
      promptTokens: 3,
      committedTokens: 3,
      round: 4,
    });
    expectError(await h.one(draft('r', 4, [1], 2)), ErrorCode.OUT_OF_ORDER_ROUND, 'r');
    await h.one({
      type: 'resume',
      sessionId: 's',
      prompt: { tokens: [0] },
      sampling,
      committedTokens: [1, 15],
      round: 2,
    });
    expectError(await h.one(draft('s', 2, [1])), ErrorCode.SESSION_FINISHED, 's');
    const tooFar = {
      type: 'resume',
      sessionId: 'x',
      prompt: { tokens: [0] },
      sampling,
      committedTokens: [],
      round: 2 ** 32,
    };
    expectError(await h.one(tooFar), ErrorCode.INVALID_MESSAGE, 'x');
  });

  it('idle sessions are closed with reason idle_timeout after limits.idleTimeoutMs', async () => {
    let now = 0;
    const h = harness({ now: () => now });
    await h.one(hello);
    await h.one(open('a'));
    now = 299_999;
    expect(await h.conversation.expireIdleSessions()).toEqual([]);
    now = 300_001;
    expect(await h.conversation.expireIdleSessions()).toEqual([
      { type: 'closed', sessionId: 'a', reason: 'idle_timeout', committedTokens: 0 },
    ]);
    expect(h.conversation.openSessions).toBe(0);
  });

  it('reports rounds, errors and sessions to hooks without token ids or text', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    await h.one(draft('a', 0, [1, 2]));
    await h.one(draft('a', 5, [1]));
    await h.one(open('b'));
    await h.one(draft('b', 0, [1, 2]));
    await h.one(draft('b', 1, [], [1, 7]));
    const kinds = h.events.map((e) => e.kind);
    expect(kinds).toEqual([
      'opened',
      'round',
      'error',
      'closed',
      'opened',
      'round',
      'committed',
      'round',
    ]);
    const round = h.events[1]!.data as Record<string, unknown>;
    expect(Object.keys(round).sort()).toEqual(['drafted', 'scoreMs', 'verifyMs']);
    expect(round).toMatchObject({ drafted: 2 });
    expect(h.events[2]!.data).toEqual({ code: 'OUT_OF_ORDER_ROUND', scope: 'session' });
    expect(h.events[3]!.data).toEqual({ reason: 'error', outputTokens: expect.any(Number) });
    expect(h.events[6]!.data).toEqual({ drafted: 2, kept: 1, finished: false });
  });
});

describe('VerifierConversation: ordering and concurrency', () => {
  it("runs one session's messages in arrival order and other sessions alongside", async () => {
    const gates = new Map<number, () => void>();
    const inner = new TableScorer({ vocabSize: V, table: p });
    // Session with prompt [0, 4] waits for its gate; others score at once.
    const target: Scorer = {
      vocabSize: V,
      openSession: async () => {
        const session = await inner.openSession();
        return {
          score: async (tokens, from, topK) => {
            if (tokens[1] === 4)
              await new Promise<void>((resolve) => gates.set(gates.size, resolve));
            return session.score(tokens, from, topK);
          },
          close: () => session.close(),
        };
      },
    };
    const h = harness({ target });
    await h.one(hello);
    await h.one(open('slow', { prompt: { tokens: [0, 4] } }));
    await h.one(open('fast', { prompt: { tokens: [0, 5] } }));
    const slowRound0 = h.send(draft('slow', 0, [1]));
    const slowClose = h.send({ type: 'close', sessionId: 'slow' });
    // The fast session is verified while the slow one is still scoring.
    expect((await h.one(draft('fast', 0, [1]))).type).toBe('verdict');
    await Promise.resolve();
    gates.get(0)!();
    expect((await slowRound0).messages[0]).toMatchObject({ type: 'verdict', round: 0 });
    // The close queued behind the round, so it saw the round's output.
    expect((await slowClose).messages[0]).toMatchObject({ type: 'closed', reason: 'client' });
  });

  it('shutdown lets the round in flight finish, closes every session with shutting_down, refuses what comes after', async () => {
    const h = harness();
    await h.one(hello);
    await h.one(open('a'));
    await h.one(open('b'));
    const inFlight = h.send(draft('a', 0, [1, 2]));
    const closed = await h.conversation.shutdown();
    expect((await inFlight).messages[0]).toMatchObject({ type: 'verdict', round: 0 });
    expect(closed.map((m) => m.type === 'closed' && m.reason)).toEqual([
      'shutting_down',
      'shutting_down',
    ]);
    expect(h.verifier.targetScorer.openSessions).toBe(0);
    expectError((await h.send(open('c'))).messages[0]!, ErrorCode.SERVER_SHUTTING_DOWN);
  });
});
