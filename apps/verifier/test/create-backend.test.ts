import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfiguredBackend } from '../src/app/services/create-backend.ts';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { loadConfig } from '../src/config/index.ts';
import { startFakeVllm, type FakeVllmServer } from '../src/testing/fake-vllm/fake-vllm-server.ts';
import { hello, opened } from './support/handshake.ts';
import { RawDevice } from './support/raw-device.ts';
import { startVerifier } from './support/verifier-harness.ts';

// The production factory: SPECSTEER_BACKEND picks the backend and the other
// variables reach it. Both run against the real model pair: llama.cpp in
// process, and vLLM as the vLLM-shaped test server over the same models.

const pair = testModelPair();

describe.skipIf(pair === null)(
  `backend factory${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
  () => {
    const servers: FakeVllmServer[] = [];
    beforeAll(async () => {
      servers.push(
        await startFakeVllm({
          modelPath: pair!.targetPath,
          servedModelName: 'specsteer-large',
          maxLogprobs: 5,
        }),
      );
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
    });

    it('builds the embedded backend from the model path variables (the default)', async () => {
      const config = loadConfig({
        env: {
          SPECSTEER_TARGET_MODEL_PATH: pair!.targetPath,
        },
      });
      const backend = await createConfiguredBackend(config);
      try {
        expect(backend.name).toBe('llamacpp');
        expect(await backend.ready()).toBe(true);
      } finally {
        await backend.close();
      }
    });

    it('builds the vLLM backend from the SPECSTEER_VLLM_ variables, and welcome announces its top-K cap', async () => {
      const config = loadConfig({
        env: {
          SPECSTEER_BACKEND: 'vllm',
          SPECSTEER_VLLM_TARGET_URL: servers[0]!.url,
          SPECSTEER_VLLM_MAX_LOGPROBS: '5',
          SPECSTEER_VLLM_VOCAB_SIZE: String(servers[0]!.engine.vocabSize),
          SPECSTEER_VLLM_TIMEOUT_MS: '10000',
        },
      });
      const backend = await createConfiguredBackend(config);
      const server = await startVerifier({ backend });
      try {
        expect(backend.name).toBe('vllm');
        const device = await RawDevice.connect(server.url);
        const welcome = await device.request(hello(backend.tokenizerFingerprint));
        expect(welcome).toMatchObject({ type: 'welcome', limits: { maxTopK: 5 } });
        expect(await opened(device, 'a')).toMatchObject({ type: 'opened' });
        const verdict = await device.request({
          type: 'draft',
          sessionId: 'a',
          round: 0,
          tokens: [5, 6],
        });
        expect(verdict).toMatchObject({ type: 'verdict', round: 0 });
        expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
          status: 'ready',
          backend: 'vllm',
        });
        servers[0]!.faults.healthy = false;
        expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
        servers[0]!.faults.healthy = true;
      } finally {
        await server.close();
      }
    });
  },
);
