import { ERROR_CODE_INFO, HARD_CAPS, PROTOCOL_VERSION } from '@specsteer/protocol';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { generate, socketFactory } from './support/device.ts';
import { RawDevice } from './support/raw-device.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// Every input the schema admits gets an answer with a documented code, never
// INTERNAL: frames built from the extremes of each field (the largest round,
// seed, id, list and text the schema allows, and the smallest), in random
// combinations, then the long-prompt and deep-nesting cases the embedded
// backend once failed on. The server keeps serving an honest device after.

const DOCUMENTED = new Set(Object.keys(ERROR_CODE_INFO));
const UNLIMITED = {
  SPECSTEER_ROUNDS_PER_SECOND: '1000000',
  SPECSTEER_RATE_LIMIT_BURST: '1000000',
  SPECSTEER_OPENS_PER_SECOND: '1000000',
  SPECSTEER_OPEN_BURST: '1000000',
};

/** mulberry32, seeded: a failure names the frame it came from. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_ID = HARD_CAPS.tokenIdExclusive - 1;

function extremeFrame(next: () => number, sessionIds: string[]): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const ids = (max: number) =>
    Array.from({ length: pick([0, 1, max]) }, () => pick([0, 1, 2, 63, 64, MAX_ID]));
  const sessionId = pick(sessionIds);
  const sampling = () => ({
    temperature: pick([0, 1e-9, 1, 100]),
    seed: pick([0, 2 ** 32 - 1]),
    alpha: pick([0, 1, 100]),
    leniency: pick([1, 1e6]),
    tau: pick([1e-9, 1, 1e6]),
    topK: pick([1, 20, HARD_CAPS.topK]),
    maxTokens: pick([1, 2, HARD_CAPS.outputTokens]),
    stopTokens: ids(HARD_CAPS.stopTokens),
  });
  const prompt = () =>
    pick([
      { tokens: ids(HARD_CAPS.promptTokens).concat([2]) },
      { messages: [{ role: pick(['system', 'user', 'assistant']), content: pick(['', 'hi']) }] },
      {
        messages: Array.from({ length: HARD_CAPS.messages }, () => ({
          role: 'user',
          content: 'a',
        })),
      },
      { messages: [{ role: 'user', content: 'x'.repeat(HARD_CAPS.contentChars) }] },
    ]);
  const round = () => pick([0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]);
  switch (pick(['open', 'open', 'draft', 'draft', 'draft', 'resume', 'close', 'ping'])) {
    case 'open':
      return { type: 'open', sessionId, prompt: prompt(), sampling: sampling() };
    case 'draft':
      return {
        type: 'draft',
        sessionId,
        round: round(),
        ...(next() < 0.5 && { committed: pick([0, 2, MAX_ID]) }),
        tokens: ids(HARD_CAPS.draftTokens),
      };
    case 'resume':
      return {
        type: 'resume',
        sessionId,
        prompt: prompt(),
        sampling: sampling(),
        committedTokens: ids(pick([1, HARD_CAPS.outputTokens])),
        round: round(),
      };
    case 'close':
      return { type: 'close', sessionId, ...(next() < 0.5 && { committed: pick([0, MAX_ID]) }) };
    default:
      return { type: 'ping', nonce: 'n'.repeat(pick([0, 64])) };
  }
}

/** The answers are valid frames and none is INTERNAL or undocumented. */
function expectOnlyDocumentedCodes(device: RawDevice) {
  expect(device.invalid).toEqual([]);
  const codes = device.received.flatMap((m) => (m.type === 'error' ? [m.code] : []));
  expect(codes.filter((code) => !DOCUMENTED.has(code) || code === 'INTERNAL')).toEqual([]);
  return codes;
}

async function welcomedDevice(server: StartedVerifier): Promise<RawDevice> {
  const device = await RawDevice.connect(server.url);
  const welcome = await device.request({
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    tokenizerFingerprint: server.backend.tokenizerFingerprint,
  });
  expect(welcome.type).toBe('welcome');
  return device;
}

describe('schema-valid extremes on the table backend', () => {
  let server: StartedVerifier;
  beforeAll(async () => {
    server = await startVerifier({ env: { ...UNLIMITED, SPECSTEER_LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('300 random frames of extreme values get only documented codes, and an honest device is served after', async () => {
    const next = random(20261201);
    const devices = await Promise.all([welcomedDevice(server), welcomedDevice(server)]);
    for (let i = 0; i < 300; i++) {
      const device = devices[i % devices.length]!;
      const frame = extremeFrame(next, ['s-a', 's-b', 'x'.repeat(64)]);
      device.send(frame);
      // One at a time per device: a frame that ends the connection must not hide the ones after it.
      if (i % 2 === 1) await Promise.all(devices.map((d) => d.next(10_000).catch(() => null)));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const codes = devices.flatMap((device) => expectOnlyDocumentedCodes(device));
    expect(codes.length).toBeGreaterThan(50);
    for (const line of server.logs) expect(JSON.parse(line).level).toBeLessThan(50);
    const honest = await generate(socketFactory(server.url), server.backend.tokenizerFingerprint);
    expect(honest.tokens.length).toBeGreaterThan(0);
  });

  it('a draft or resume with round 2^53 − 1 gets OUT_OF_ORDER_ROUND or INVALID_MESSAGE', async () => {
    const device = await welcomedDevice(server);
    const sampling = { temperature: 1, seed: 1, topK: 4, maxTokens: 20, stopTokens: [] };
    expect(
      await device.request({ type: 'open', sessionId: 'r', prompt: { tokens: [2, 3] }, sampling }),
    ).toMatchObject({ type: 'opened' });
    const draft = await device.request({
      type: 'draft',
      sessionId: 'r',
      round: Number.MAX_SAFE_INTEGER,
      tokens: [2],
    });
    expect(draft).toMatchObject({ type: 'error', code: 'OUT_OF_ORDER_ROUND' });
    // A session-scope error closes the session.
    expect(await device.next()).toMatchObject({ type: 'closed', sessionId: 'r' });
    const resume = await device.request({
      type: 'resume',
      sessionId: 'q',
      prompt: { tokens: [2, 3] },
      sampling,
      committedTokens: [4],
      round: Number.MAX_SAFE_INTEGER,
    });
    expect(resume).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE' });
    device.close();
  });

  it('a frame nested 400,000 deep is refused with BAD_FRAME without parsing it', async () => {
    const device = await welcomedDevice(server);
    const depth = 400_000;
    device.sendRaw(`{"type":"ping","x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(await device.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' });
    const shallow = await welcomedDevice(server);
    // 64 levels in an unknown field are still a frame.
    shallow.sendRaw(`{"type":"ping","nonce":"d","x":${'['.repeat(60)}${']'.repeat(60)}}`);
    expect(await shallow.next()).toMatchObject({ type: 'pong', nonce: 'd' });
    shallow.close();
  });
});

const pair = testModelPair();

describe.skipIf(pair === null)(
  `long prompts on the embedded llama.cpp backend${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
  () => {
    let server: StartedVerifier;
    beforeAll(async () => {
      server = await startVerifier({
        backend: () => createLlamaCppBackend(pair!),
        env: { ...UNLIMITED, SPECSTEER_LOG_LEVEL: 'info' },
      });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
    });

    const sampling = { temperature: 1, seed: 1, topK: 4, maxTokens: 20, stopTokens: [] };
    const cases: [string, { role: string; content: string }[]][] = [
      ['65,536 CJK characters', [{ role: 'user', content: '漢'.repeat(HARD_CAPS.contentChars) }]],
      ['32,768 emoji', [{ role: 'user', content: '😀'.repeat(HARD_CAPS.contentChars / 2) }]],
      [
        '256 messages of 3,900 characters (a 1 MiB frame)',
        Array.from({ length: HARD_CAPS.messages }, () => ({
          role: 'user',
          content: 'word '.repeat(780),
        })),
      ],
    ];
    it.each(cases)('%s get PROMPT_TOO_LONG, no stack trace in the log', async (_name, messages) => {
      const device = await welcomedDevice(server);
      const answer = await device.request({
        type: 'open',
        sessionId: 'long',
        prompt: { messages },
        sampling,
      });
      expect(answer).toMatchObject({ type: 'error', code: 'PROMPT_TOO_LONG' });
      expect(await device.request({ type: 'ping', nonce: 'after' })).toMatchObject({
        type: 'pong',
      });
      for (const line of server.logs) expect(line).not.toContain('"stack"');
      device.close();
    });
  },
);
