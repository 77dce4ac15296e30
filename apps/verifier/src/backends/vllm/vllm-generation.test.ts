import {
  VerifierConversation,
  inMemoryTransportFactory,
  renderOfflinePrompt,
  runSpecSteer,
  type GenerationResult,
} from '@specsteer/core';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaDrafter } from '../../drafter/index.ts';
import { startFakeVllm, type FakeVllmServer } from '../../testing/fake-vllm/fake-vllm-server.ts';
import { LlamaModelEngine } from '../../testing/fake-vllm/llama-model-engine.ts';
import type { VerifierBackend } from '../backend.ts';
import { createLlamaCppBackend, type LlamaCppBackend } from '../llamacpp/index.ts';
import { testModelPair } from '../llamacpp/testing/test-model-pair.ts';
import { createVllmBackend, type VllmBackend } from './index.ts';

// The whole loop of DESIGN.md §2 — device drafter with private history, the
// server conversation, core's verification and recovery — once over the vLLM
// backend (a vLLM-shaped server over llama.cpp) and once over the embedded
// backend. Both see the same models, so every verdict and every committed
// token must be the same.

const pair = testModelPair();

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
    servers = await Promise.all([
      startFakeVllm({ engine: engines[0]!, servedModelName: 'specsteer-large' }),
      startFakeVllm({ engine: engines[1]!, servedModelName: 'specsteer-small' }),
    ]);
    vllm = await createVllmBackend({
      targetUrl: servers[0]!.url,
      referenceUrl: servers[1]!.url,
      timeoutMs: 10_000,
      vocabSize: engines[0]!.vocabSize,
    });
    embedded = await createLlamaCppBackend({
      ...pair!,
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

  function generate(backend: VerifierBackend, temperature: number): Promise<GenerationResult> {
    const conversation = () =>
      new VerifierConversation({
        target: backend.target,
        reference: backend.reference,
        model: backend.model,
        tokenizerFingerprint: backend.tokenizerFingerprint,
        vocabSize: backend.vocabSize,
        limits: DEFAULT_LIMITS,
        tokenizePrompt: (chat) => backend.tokenizePrompt(chat),
      });
    return runSpecSteer({
      connect: inMemoryTransportFactory(conversation),
      drafter,
      contextTokens,
      // Token form: both servers score the very same public tokens.
      prompt: { tokens: publicPrompt },
      tokenizerFingerprint: backend.tokenizerFingerprint,
      sampling: { temperature, seed: 7, topK: 8, maxTokens: 24, stopTokens: [stopToken!] },
      draftTokens: 4,
    });
  }

  it('drafts on a device context that ends with exactly the public tokens the cloud scores', () => {
    expect(contextTokens.slice(-(publicPrompt.length - 1))).toEqual(publicPrompt.slice(1));
    expect(contextTokens.length).toBeGreaterThan(publicPrompt.length);
  });

  it.each([0, 1])(
    'commits exactly the tokens the embedded backend commits (temperature %d, same seed)',
    async (temperature) => {
      const viaVllm = await generate(vllm, temperature);
      const viaEmbedded = await generate(embedded, temperature);
      expect(viaVllm.metrics.rounds).toBeGreaterThan(1);
      expect(viaVllm.metrics.acceptedPerRound).toEqual(viaEmbedded.metrics.acceptedPerRound);
      expect(viaVllm.tokens).toEqual(viaEmbedded.tokens);
      expect(viaVllm.origins).toEqual(viaEmbedded.origins);
      expect(viaVllm.finish).toBe(viaEmbedded.finish);
    },
  );
});
