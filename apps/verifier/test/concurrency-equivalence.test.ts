import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifierBackend } from '../src/backends/backend.ts';
import { createLlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { createVllmBackend } from '../src/backends/vllm/index.ts';
import { startFakeVllm, type FakeVllmServer } from '../src/testing/fake-vllm/fake-vllm-server.ts';
import { LlamaModelEngine } from '../src/testing/fake-vllm/llama-model-engine.ts';
import {
  differences,
  runAlone,
  runTogether,
  scripts,
  type Transcript,
} from './support/scripted-sessions.ts';
import { createTableBackend } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// Sessions must not see each other: 12 sessions (4 per socket, 3 sockets) run
// at once get answers bit-identical to the same sessions run one at a time,
// on every backend with its default settings. Repeated: the llama.cpp fault
// this guards against (README, "Concurrent sessions") showed in 1–5 of 12 runs
// of 8 sessions; 36 runs miss a 1-in-12 fault with probability (11/12)^36 < 5%.

const SESSIONS = 12;
const PER_CONNECTION = 4;
const ROUNDS = 6;
const REPEATS = 36;
/**
 * The vLLM backend keeps no scoring state across requests (each one carries its
 * whole sequence), so what concurrency can break there is the pairing of
 * requests, answers and sessions; its stand-in servers re-evaluate every
 * sequence from scratch, with full distributions (~7 s a run here), so fewer runs.
 */
const VLLM_REPEATS = 3;
/** No round budget in the way: every session drafts as fast as it can. */
const UNLIMITED = {
  SPECSTEER_ROUNDS_PER_SECOND: '1000000',
  SPECSTEER_RATE_LIMIT_BURST: '1000000',
  SPECSTEER_OPENS_PER_SECOND: '1000000',
  SPECSTEER_OPEN_BURST: '1000000',
};

function equivalenceSuite(name: string, backend: () => Promise<VerifierBackend>, repeats: number) {
  describe(name, () => {
    let server: StartedVerifier;
    let alone: Map<string, Transcript>;
    const all = () => scripts(SESSIONS, server.backend.vocabSize, ROUNDS);

    beforeAll(async () => {
      server = await startVerifier({ backend, env: UNLIMITED });
      alone = await runAlone(server.url, server.backend.tokenizerFingerprint, all());
    }, 120_000);
    afterAll(async () => {
      await server?.close();
    });

    it('the scripts reach verdicts alone (the comparison has something to compare)', () => {
      for (const transcript of alone.values()) {
        expect(transcript.filter((frame) => frame.includes('"type":"verdict"'))).toHaveLength(
          ROUNDS,
        );
      }
    });

    it(`${SESSIONS} sessions at once, ${PER_CONNECTION} per socket, answer exactly as alone, ${repeats} times`, async () => {
      const failedRuns: string[] = [];
      for (let run = 0; run < repeats; run++) {
        const together = await runTogether(
          server.url,
          server.backend.tokenizerFingerprint,
          all(),
          PER_CONNECTION,
        );
        const diff = differences(alone, together);
        if (diff.length > 0) failedRuns.push(`run ${run}: ${diff.length} sessions; ${diff[0]}`);
      }
      expect(failedRuns).toEqual([]);
    }, 240_000);
  });
}

describe('concurrency equivalence', () => {
  equivalenceSuite('table backend', () => createTableBackend(), REPEATS);

  const pair = testModelPair();
  describe.skipIf(pair === null)(
    `model pair backends${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
    () => {
      equivalenceSuite(
        'embedded llama.cpp, default pool',
        () => createLlamaCppBackend({ targetPath: pair!.targetPath }),
        REPEATS,
      );

      const fakes: { engines: LlamaModelEngine[]; servers: FakeVllmServer[] } = {
        engines: [],
        servers: [],
      };
      afterAll(async () => {
        await Promise.all(fakes.servers.map((s) => s.close()));
        await Promise.all(fakes.engines.map((e) => e.dispose()));
      });
      equivalenceSuite(
        'vLLM backend against vLLM-shaped servers',
        async () => {
          const target = await LlamaModelEngine.load(pair!.targetPath, 512);
          fakes.engines.push(target);
          const targetServer = await startFakeVllm({
            engine: target,
            servedModelName: 'specsteer-large',
          });
          fakes.servers.push(targetServer);
          return createVllmBackend({
            targetUrl: targetServer.url,
            vocabSize: target.vocabSize,
            timeoutMs: 30_000,
            family: 'specsteer-offline',
          });
        },
        VLLM_REPEATS,
      );
    },
  );
});
