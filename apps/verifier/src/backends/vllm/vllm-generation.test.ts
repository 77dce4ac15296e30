import {
  VerifierConversation,
  inMemoryTransportFactory,
  renderOfflinePrompt,
  runSpecSteer,
  type GenerationResult,
  type TransportFactory,
} from '@specsteer/core';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOptions, type VerifierBackend } from '../backend.ts';
import { socketFactory } from '../../../test/support/device.ts';
import { startVerifier } from '../../../test/support/verifier-harness.ts';
import { LlamaDrafter } from '@specsteer/llama';
import { startFakeVllm, type FakeVllmServer } from '../../testing/fake-vllm/fake-vllm-server.ts';
import { LlamaModelEngine } from '../../testing/fake-vllm/llama-model-engine.ts';
import { createLlamaCppBackend, type LlamaCppBackend } from '../llamacpp/index.ts';
import { testModelPair } from '@specsteer/llama/testing';
import { createVllmBackend, type VllmBackend } from './index.ts';

// The whole loop of docs/design.md §2 — device drafter with private history, the
// server conversation, core's verification and recovery — once over the vLLM
// backend (a vLLM-shaped server over llama.cpp) and once over the embedded
// backend. Both see the same models, so every verdict and every committed
// token must be the same.

const pair = testModelPair();
/** Whole generations on a shared 2-vCPU machine: generous, they take seconds when it is quiet. */
const GENERATION_TIMEOUT_MS = 180_000;

const messages = [
  { role: 'user' as const, content: 'Write a note to the team about the capital of Varnia.' },
];
const history = [
  'Hey crew! Mochi ate my sock again. Onward, Dara',
  'Hey crew! The office plants need water. Onward, Dara',
];

describe.skipIf(pair === null)('a generation through the vLLM backend', () => {
  let engines: LlamaModelEngine[] = [];
  let servers: FakeVllmServer[] = [];
  let vllm: VllmBackend;
  let embedded: LlamaCppBackend;
  let drafter: LlamaDrafter;
  let contextTokens: number[];
  let publicPrompt: number[];
  let stopToken: number | undefined;

  beforeAll(async () => {
    engines = await Promise.all([
      LlamaModelEngine.load(pair!.targetPath, 512),
      LlamaModelEngine.load(pair!.referencePath, 512),
    ]);
    servers = [await startFakeVllm({ engine: engines[0]!, servedModelName: 'specsteer-large' })];
    vllm = await createVllmBackend({
      targetUrl: servers[0]!.url,
      timeoutMs: 10_000,
      vocabSize: engines[0]!.vocabSize,
    });
    embedded = await createLlamaCppBackend({
      targetPath: pair!.targetPath,
      contextSize: 512,
      sequencesPerContext: 1,
      maxContexts: 1,
    });
    drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 512 });
    const engine = engines[1]!;
    contextTokens = [engine.bos, ...engine.tokenize(renderOfflinePrompt({ history, messages }))];
    publicPrompt = await vllm.tokenizePrompt(messages);
    [stopToken] = engine.tokenize('<|end|>');
  });

  afterAll(async () => {
    await drafter?.dispose();
    await vllm?.close();
    await embedded?.close();
    for (const server of servers) await server.close();
    for (const engine of engines) await engine.dispose();
  });

  /** The server side of one connection: core's conversation over `backend`, as the app runs it. */
  const conversationOver = (backend: VerifierBackend) => () =>
    new VerifierConversation(conversationOptions(backend, DEFAULT_LIMITS));

  function run(
    connect: TransportFactory,
    fingerprint: string,
    sampling: { temperature: number; maxTokens: number; stop: boolean },
  ): Promise<GenerationResult> {
    return runSpecSteer({
      connect,
      drafter,
      context: { device: contextTokens, public: publicPrompt },
      reproducible: true,
      // Token form: every server scores the very same public tokens.
      prompt: { tokens: publicPrompt },
      tokenizerFingerprint: fingerprint,
      sampling: {
        temperature: sampling.temperature,
        seed: 7,
        topK: 8,
        maxTokens: sampling.maxTokens,
        stopTokens: sampling.stop ? [stopToken!] : [],
      },
      draftTokens: 4,
      reconnect: { initialDelayMs: 10, maxAttempts: 5, replyTimeoutMs: 30_000 },
    });
  }

  const generate = (backend: VerifierBackend, temperature: number) =>
    run(inMemoryTransportFactory(conversationOver(backend)), backend.tokenizerFingerprint, {
      temperature,
      maxTokens: 24,
      stop: true,
    });

  it('drafts on a device context that ends with exactly the public tokens the cloud scores', () => {
    expect(contextTokens.slice(-(publicPrompt.length - 1))).toEqual(publicPrompt.slice(1));
    expect(contextTokens.length).toBeGreaterThan(publicPrompt.length);
  });

  /** The embedded backend less what vLLM cannot report: the tail samples of a full distribution. */
  const withoutTailSamples = (backend: VerifierBackend): VerifierBackend => ({
    ...backend,
    tokenizePrompt: (m) => backend.tokenizePrompt(m),
    target: {
      vocabSize: backend.target.vocabSize,
      openSession: async () => {
        const session = await backend.target.openSession();
        return {
          score: async (tokens, from, options) =>
            (await session.score(tokens, from, options)).map(({ top, tokenLogprob }) => ({
              top,
              tokenLogprob,
            })),
          close: () => session.close(),
        };
      },
    },
  });

  it.each([0, 1])(
    'commits exactly the tokens the embedded backend commits without tail samples (temperature %d, same seed)',
    async (temperature) => {
      const viaVllm = await generate(vllm, temperature);
      const viaEmbedded = await generate(withoutTailSamples(embedded), temperature);
      expect(viaVllm.metrics.rounds).toBeGreaterThan(1);
      expect(viaVllm.metrics.acceptedPerRound).toEqual(viaEmbedded.metrics.acceptedPerRound);
      expect(viaVllm.tokens).toEqual(viaEmbedded.tokens);
      expect(viaVllm.origins).toEqual(viaEmbedded.origins);
      expect(viaVllm.finish).toBe(viaEmbedded.finish);
    },
    GENERATION_TIMEOUT_MS,
  );

  it(
    'resumes on another verifier replica over WebSocket without losing a committed token',
    async () => {
      const options = {
        targetUrl: servers[0]!.url,
        timeoutMs: 10_000,
        vocabSize: engines[0]!.vocabSize,
      };
      const replicaA = await startVerifier({ backend: await createVllmBackend(options) });
      const replicaB = await startVerifier({ backend: await createVllmBackend(options) });
      try {
        let verdicts = 0;
        replicaA.app.websocketServer.on('connection', (socket) => {
          const send = socket.send.bind(socket);
          socket.send = ((data: string, ...rest: never[]) => {
            send(data, ...rest);
            // Replica A goes away right after its 2nd verdict.
            if (String(data).includes('"type":"verdict"') && ++verdicts === 2) socket.terminate();
          }) as typeof socket.send;
        });
        let connections = 0;
        const connect = socketFactory(() => (connections++ === 0 ? replicaA.url : replicaB.url));
        const sampling = { temperature: 1, maxTokens: 24, stop: false };
        const interrupted = await run(connect, vllm.tokenizerFingerprint, sampling);
        const uninterrupted = await run(
          inMemoryTransportFactory(conversationOver(vllm)),
          vllm.tokenizerFingerprint,
          sampling,
        );
        expect(connections).toBe(2);
        expect(interrupted.metrics.resumes).toBe(1);
        expect(interrupted.tokens).toHaveLength(24);
        expect(interrupted.tokens).toEqual(uninterrupted.tokens);
        const metricsB = (await replicaB.app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(Number(metricsB.match(/^specsteer_rounds_total (\d+)$/m)![1])).toBeGreaterThan(0);
      } finally {
        await replicaA.close();
        await replicaB.close();
      }
    },
    GENERATION_TIMEOUT_MS,
  );
});
