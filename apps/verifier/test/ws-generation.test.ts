import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { TABLE_STOP_TOKEN } from './support/table-backend.ts';
import { generate, generateInMemory, socketFactory } from './support/device.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

const started: StartedVerifier[] = [];
async function verifier(...args: Parameters<typeof startVerifier>) {
  const v = await startVerifier(...args);
  started.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((v) => v.close()));
});

describe('a whole generation over a real WebSocket', () => {
  it('produces exactly what core produces in memory, token for token', async () => {
    const server = await verifier();
    const overSocket = await generate(
      socketFactory(server.url),
      server.backend.tokenizerFingerprint,
      { seed: 3 },
    );
    const inMemory = await generateInMemory(server.backend, { seed: 3 }, DEFAULT_LIMITS);
    expect(overSocket.tokens.length).toBeGreaterThan(0);
    expect(overSocket.tokens).toEqual(inMemory.tokens);
    expect(overSocket.origins).toEqual(inMemory.origins);
    expect(overSocket.metrics.rounds).toBeGreaterThan(1);
    expect(overSocket.metrics.resumes).toBe(0);
  });

  it('ends at a stop token or at maxTokens and leaves no session open on the server', async () => {
    const server = await verifier();
    for (const seed of [1, 2, 3, 4]) {
      const result = await generate(
        socketFactory(server.url),
        server.backend.tokenizerFingerprint,
        { seed, maxTokens: 40 },
      );
      if (result.finish === 'stop') expect(result.tokens.at(-1)).toBe(TABLE_STOP_TOKEN);
      else expect(result.tokens).toHaveLength(40);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^specsteer_open_sessions 0$/m);
    expect(metrics).toMatch(/^specsteer_rounds_total \d+$/m);
  });

  it('counts rounds and accepted tokens in the metrics the way the client saw them', async () => {
    const server = await verifier();
    const result = await generate(socketFactory(server.url), server.backend.tokenizerFingerprint, {
      seed: 9,
    });
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    const accepted = result.metrics.acceptedPerRound.reduce((a, b) => a + b, 0);
    expect(metrics).toContain(`specsteer_rounds_total ${result.metrics.rounds}`);
    expect(metrics).toContain(`specsteer_accepted_tokens_total ${accepted}`);
    expect(metrics).toContain(`specsteer_verify_duration_seconds_count ${result.metrics.rounds}`);
  });
});

describe('resume on a new connection', () => {
  it('loses no committed token when the server drops the socket mid-generation', async () => {
    const server = await verifier();
    let verdicts = 0;
    let dropped = 0;
    server.app.websocketServer.on('connection', (socket) => {
      const send = socket.send.bind(socket);
      socket.send = ((data: string, ...rest: never[]) => {
        send(data, ...rest);
        // Cut the connection right after the 3rd and 7th verdicts, as a network failure would.
        if (String(data).includes('"type":"verdict"') && [3, 7].includes(++verdicts)) {
          dropped++;
          socket.terminate();
        }
      }) as typeof socket.send;
    });
    const run = { seed: 11, maxTokens: 80, stopTokens: [] };
    const interrupted = await generate(
      socketFactory(server.url),
      server.backend.tokenizerFingerprint,
      run,
    );
    const uninterrupted = await generateInMemory(server.backend, run);
    expect(dropped).toBe(2);
    expect(interrupted.metrics.resumes).toBe(2);
    expect(interrupted.tokens).toEqual(uninterrupted.tokens);
    expect(interrupted.tokens).toHaveLength(80);
  });

  it('resumes on another replica, which rebuilds the session from what the device resends', async () => {
    const first = await verifier();
    const second = await verifier();
    const urls = [first.url, second.url];
    let connects = 0;
    let verdicts = 0;
    first.app.websocketServer.on('connection', (socket) => {
      socket.on('message', () => {
        // The first replica goes away after its 4th frame (hello, open, 2 drafts).
        if (++verdicts === 4) setTimeout(() => socket.terminate(), 5);
      });
    });
    const run = { seed: 12, maxTokens: 50, stopTokens: [] };
    const result = await generate(
      socketFactory(() => urls[Math.min(connects++, 1)]!),
      first.backend.tokenizerFingerprint,
      run,
    );
    const uninterrupted = await generateInMemory(first.backend, run);
    expect(connects).toBe(2);
    expect(result.metrics.resumes).toBe(1);
    expect(result.tokens).toEqual(uninterrupted.tokens);
    const secondMetrics = (await second.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(secondMetrics).toMatch(/^specsteer_rounds_total [1-9]\d*$/m);
  });
});
