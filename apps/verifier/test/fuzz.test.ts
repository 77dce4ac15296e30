import { PROTOCOL_VERSION, type ServerMessage } from '@specsteer/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { generate, generateInMemory, socketFactory } from './support/device.ts';
import { RawDevice } from './support/raw-device.ts';
import { TABLE_VOCAB_SIZE } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// Thousands of malformed frames from several connections at once: random
// bytes, random text, mutated valid frames, oversize frames, hostile JSON.
// Every answer must be a valid protocol frame, nothing may crash, and an
// honest device generating at the same time must get exactly its output.

const FRAMES = 3_000;
const FUZZERS = 4;

/** mulberry32: a reproducible stream for the fuzzer (seed printed on failure). */
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

function validFrames(fingerprint: string): Record<string, unknown>[] {
  const sampling = { temperature: 1, seed: 3, topK: 4, maxTokens: 30, stopTokens: [1] };
  return [
    { type: 'hello', protocolVersion: PROTOCOL_VERSION, tokenizerFingerprint: fingerprint },
    {
      type: 'open',
      sessionId: 'f1',
      prompt: { messages: [{ role: 'user', content: 'hi there' }] },
      sampling,
    },
    { type: 'open', sessionId: 'f2', prompt: { tokens: [2, 3, 4, 5] }, sampling },
    { type: 'draft', sessionId: 'f1', round: 0, tokens: [2, 3, 4] },
    { type: 'draft', sessionId: 'f1', round: 1, committed: 5, tokens: [6] },
    {
      type: 'resume',
      sessionId: 'f3',
      prompt: { tokens: [2, 3] },
      sampling,
      committedTokens: [4, 5],
      round: 2,
    },
    { type: 'close', sessionId: 'f1' },
    { type: 'ping', nonce: 'n' },
  ];
}

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  1e308,
  -0,
  2 ** 53,
  1.5,
  '',
  'x'.repeat(300),
  [],
  {},
  [[[[[]]]]],
  { __proto__: { polluted: 1 } },
  TABLE_VOCAB_SIZE,
  2 ** 31,
  '\u0000',
  '\ud800',
  ['a', 1, null],
];

function mutate(frame: Record<string, unknown>, next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const copy = JSON.parse(JSON.stringify(frame)) as Record<string, unknown>;
  const kind = next();
  if (kind < 0.4) {
    // Replace or add a field somewhere (one level down at most) with a hostile value.
    // Own properties only (defineProperty), so that "__proto__" becomes a key of the frame and the
    // fuzzer never writes through to Object.prototype of this process.
    const set = (target: Record<string, unknown>, key: string, value: unknown) =>
      Object.defineProperty(target, key, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    const key = pick([...Object.keys(copy), 'extra', '__proto__', 'constructor']);
    const value = Object.hasOwn(copy, key) ? copy[key] : undefined;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && next() < 0.5) {
      const inner = value as Record<string, unknown>;
      set(inner, pick([...Object.keys(inner), 'x', '__proto__']), pick(HOSTILE_VALUES));
    } else {
      set(copy, key, pick(HOSTILE_VALUES));
    }
    return JSON.stringify(copy);
  }
  const text = JSON.stringify(copy);
  if (kind < 0.6) {
    // Flip one character.
    const at = Math.floor(next() * text.length);
    return (
      text.slice(0, at) + String.fromCharCode(32 + Math.floor(next() * 95)) + text.slice(at + 1)
    );
  }
  if (kind < 0.75) return text.slice(0, Math.floor(next() * text.length)); // truncated
  if (kind < 0.85) return '['.repeat(1500) + ']'.repeat(1500); // deep nesting, inside the size limit
  if (kind < 0.95)
    return `{"type":"${pick(['hello', 'draft', 'open'])}","__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}`;
  return JSON.stringify({ ...copy, padding: 'p'.repeat(4096) }); // just over the frame limit
}

function randomBytes(next: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

let server: StartedVerifier | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fuzzing the socket', () => {
  it(`answers ${FRAMES} malformed frames with valid protocol frames and keeps serving an honest device`, async () => {
    server = await startVerifier({
      env: {
        SPECSTEER_MAX_FRAME_BYTES: '4096',
        SPECSTEER_LOG_LEVEL: 'warn',
        // The fuzzers and the honest device share 127.0.0.1, one rate-limit caller: the open
        // budget would otherwise refuse the honest device's open on a slow machine (a flake).
        SPECSTEER_OPENS_PER_SECOND: '1000000',
        SPECSTEER_OPEN_BURST: '1000000',
      },
    });
    const fingerprint = server.backend.tokenizerFingerprint;
    const valid = validFrames(fingerprint);
    const answers = new Map<string, number>();
    const invalidAnswers: string[] = [];
    let sent = 0;

    async function fuzzer(seed: number): Promise<void> {
      const next = random(seed);
      let device: RawDevice | null = null;
      while (sent < FRAMES) {
        if (device === null) {
          device = await RawDevice.connect(server!.url);
          if (next() < 0.7) {
            device.send(valid[0]!);
            await device.next().catch(() => undefined);
          }
        }
        sent++;
        const roll = next();
        if (roll < 0.1) device.sendRaw(randomBytes(next, 1 + Math.floor(next() * 64)), true);
        else if (roll < 0.2)
          device.sendRaw(randomBytes(next, 1 + Math.floor(next() * 64)).toString('latin1'));
        else if (roll < 0.22)
          device.sendRaw('z'.repeat(20_000)); // past twice the limit: cut by ws
        else if (roll < 0.35) device.send(valid[Math.floor(next() * valid.length)]!);
        else device.sendRaw(mutate(valid[Math.floor(next() * valid.length)]!, next));
        let answer: ServerMessage | null;
        try {
          answer = await device.next(5_000);
        } catch {
          answer = null; // the server closed this connection (a connection-scope error or a cut frame)
        }
        invalidAnswers.push(...device.invalid.splice(0));
        if (answer !== null) {
          const label = answer.type === 'error' ? answer.code : answer.type;
          answers.set(label, (answers.get(label) ?? 0) + 1);
        } else {
          answers.set('(closed)', (answers.get('(closed)') ?? 0) + 1);
          device.close();
          device = null;
        }
      }
      device?.close();
    }

    const run = { seed: 21, maxTokens: 60, stopTokens: [] };
    const [honest] = await Promise.all([
      (async () => {
        const results = [];
        for (let i = 0; i < 3; i++)
          results.push(await generate(socketFactory(server!.url), fingerprint, run));
        return results;
      })(),
      ...Array.from({ length: FUZZERS }, (_, i) => fuzzer(1000 + i)),
    ]);

    expect(sent).toBeGreaterThanOrEqual(FRAMES);
    expect(invalidAnswers).toEqual([]);
    const expected = await generateInMemory(server.backend, run);
    for (const result of honest) expect(result.tokens).toEqual(expected.tokens);
    // The fuzz reached past the schema: sessions were opened and refused in many ways.
    for (const label of ['BAD_FRAME', 'INVALID_MESSAGE', 'pong', '(closed)'])
      expect(answers.get(label) ?? 0).toBeGreaterThan(0);
    // Neither the server's parsing nor anything else in this process polluted Object.prototype.
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/specsteer_errors_total\{code="BAD_FRAME"\} [1-9]/);
  });
});
