import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { generate, generateInMemory, socketFactory, type DeviceRun } from './support/device.ts';
import { heapAfterGc } from './support/heap.ts';
import { TABLE_VOCAB_SIZE, referenceTable } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// 200 devices at once, each on its own connection, each session exactly 50
// rounds, against the table backend (the embedded llama.cpp variant with a
// real model is bench/load-bench.ts). With p = s = q every draft passes the
// ratio test, so k = 8 and maxTokens = 450 take exactly 50 rounds; with greedy
// τ = 10^6 every draft fails, so maxTokens = 50 takes 50 rounds of recovery.

const SESSIONS = 200;
const ROUNDS = 50;
const K = 8;

function sessionRun(index: number): DeviceRun {
  const acceptAll = index % 2 === 0;
  return {
    seed: 1_000 + index,
    sessionId: `load-${index}`,
    drafterTable: referenceTable,
    stopTokens: [],
    // q = s = p and the whole vocabulary in the correction: every draft token stands (k + 1
    // tokens a round); with k = 0, one token a round.
    ...(acceptAll
      ? { temperature: 1, draftTokens: K, topK: TABLE_VOCAB_SIZE, maxTokens: ROUNDS * (K + 1) }
      : { temperature: 0, draftTokens: 0, maxTokens: ROUNDS }),
  };
}

let server: StartedVerifier | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('load', () => {
  it(`${SESSIONS} concurrent sessions × ${ROUNDS} rounds: every session completes, no token lost or duplicated, heap back to baseline`, async () => {
    server = await startVerifier({
      // All 200 devices share 127.0.0.1, which on an open server is one rate-limit caller.
      env: {
        SPECSTEER_LOG_LEVEL: 'warn',
        SPECSTEER_ROUNDS_PER_SECOND: '1000000',
        SPECSTEER_RATE_LIMIT_BURST: '1000000',
        SPECSTEER_MAX_TOP_K: String(TABLE_VOCAB_SIZE),
        SPECSTEER_OPENS_PER_SECOND: '1000000',
        SPECSTEER_OPEN_BURST: '1000000',
        // …and all connect at once, before any has said hello.
        SPECSTEER_MAX_UNAUTHENTICATED_PER_ADDRESS: '100000',
      },
      table: { tables: { target: referenceTable } },
    });
    const { backend, url, app } = server;
    const fingerprint = backend.tokenizerFingerprint;

    // What sessions must produce, from core alone (in memory, no server): every 8th session is
    // compared token for token (the outputs are deterministic; all 200 would double the run time).
    const expected = new Map<number, string>();
    for (let i = 0; i < SESSIONS; i += 8) {
      const limits = { ...DEFAULT_LIMITS, maxTopK: TABLE_VOCAB_SIZE };
      expected.set(i, (await generateInMemory(backend, sessionRun(i), limits)).tokens.join(','));
    }
    // Warm up (JIT, table memo) with a few sessions over the socket, then take the baseline.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => generate(socketFactory(url), fingerprint, sessionRun(i))),
    );
    const baseline = await heapAfterGc();

    let peakConnections = 0;
    const sampler = setInterval(() => {
      peakConnections = Math.max(peakConnections, app.connections.size);
    }, 20);
    // No session starts its handshake before all 200 sockets are open: they really are concurrent.
    let connected = 0;
    let allConnected!: () => void;
    const barrier = new Promise<void>((resolve) => (allConnected = resolve));
    const connectAtOnce = async () => {
      const transport = await socketFactory(url)();
      if (++connected === SESSIONS) allConnected();
      await barrier;
      return transport;
    };
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        const seen: number[] = [];
        const result = await generate(connectAtOnce, fingerprint, {
          ...sessionRun(i),
          onToken: (token) => seen.push(token.index),
        });
        return {
          rounds: result.metrics.rounds,
          resumes: result.metrics.resumes,
          matches: !expected.has(i) || result.tokens.join(',') === expected.get(i),
          // onToken saw indices 0, 1, 2, … exactly once each.
          indicesInOrder:
            seen.length === result.tokens.length && seen.every((index, at) => index === at),
        };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);

    expect(outcomes.filter((o) => o.rounds === ROUNDS)).toHaveLength(SESSIONS);
    expect(outcomes.filter((o) => o.matches)).toHaveLength(SESSIONS);
    expect(outcomes.filter((o) => o.indicesInOrder)).toHaveLength(SESSIONS);
    expect(outcomes.reduce((n, o) => n + o.resumes, 0)).toBe(0);
    expect(peakConnections).toBe(SESSIONS);

    // Every connection closed on the server and every scoring session released.
    const until = Date.now() + 5_000;
    while (app.connections.size > 0 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.connections.size).toBe(0);
    const tableBackend = backend as unknown as {
      targetScorer: { openSessions: number };
    };
    expect(tableBackend.targetScorer.openSessions).toBe(0);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^specsteer_open_sessions 0$/m);
    expect(metrics).toMatch(/^specsteer_open_connections 0$/m);

    const after = await heapAfterGc();
    const grownMiB = (after - baseline) / 2 ** 20;
    console.info(
      `load: ${SESSIONS} sessions × ${ROUNDS} rounds in ${seconds.toFixed(1)} s ` +
        `(${Math.round((SESSIONS * ROUNDS) / seconds)} rounds/s), peak ${peakConnections} connections, ` +
        `heap ${(baseline / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(grownMiB).toBeLessThan(4);
  }, 120_000); // ~20 s on an idle 2-core machine; more while training shares it
});
