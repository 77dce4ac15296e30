// docs/design.md "When the output is exact", checked on the shipped pair over
// the embedded backend: greedy SpecSteer emits exactly the greedy decoding of
// π computed from full distributions, and with no private context nothing is
// ever labelled `steered`, at any temperature.

import {
  OFFLINE_STOP_TEXT,
  VerifierConversation,
  inMemoryTransportFactory,
  renderOfflinePrompt,
  runExactFusion,
  runSpecSteer,
  type DraftContext,
  type TokenId,
} from '@specsteer/core';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { LlamaDrafter } from '@specsteer/llama';
import { testModelPair } from '@specsteer/llama/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOptions } from '../backend.ts';
import { createLlamaCppBackend, type LlamaCppBackend } from './create-llamacpp-backend.ts';

const pair = testModelPair();
const TIMEOUT_MS = 120_000;

describe.skipIf(pair === null)('fidelity on the model pair', () => {
  let backend: LlamaCppBackend;
  let drafter: LlamaDrafter;
  let stopToken: TokenId;
  const requests = [
    'Write a note to the team about the capital of Varnia.',
    'Drop Shaplurk a line about the language of Brydound.',
  ];
  const history = [
    'Mepei folks! Nybu slept on my notes all morning. Mind the mumur. Brimex, Drysyrk',
    'Mepei team! Back to drosking now. Nybu says hi from Noyex. Brimex, Drysyrk',
  ];

  beforeAll(async () => {
    backend = await createLlamaCppBackend({ targetPath: pair!.targetPath, contextSize: 512 });
    drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 512 });
    stopToken = backend.tokenizer.singleToken(OFFLINE_STOP_TEXT)!;
  });
  afterAll(async () => {
    await drafter?.dispose();
    await backend?.close();
  });

  async function contexts(request: string, withHistory: boolean) {
    const messages = [{ role: 'user' as const, content: request }];
    const publicTokens = await backend.tokenizePrompt(messages);
    const device = withHistory
      ? backend.tokenizer.tokenizeDocument(renderOfflinePrompt({ history, messages }))
      : publicTokens;
    return { messages, context: { device, public: publicTokens } as DraftContext };
  }

  const specSteer = async (
    request: string,
    withHistory: boolean,
    temperature: number,
    seed: number,
  ) => {
    const { messages, context } = await contexts(request, withHistory);
    return runSpecSteer({
      connect: inMemoryTransportFactory(
        () => new VerifierConversation(conversationOptions(backend, DEFAULT_LIMITS)),
      ),
      drafter,
      context,
      reproducible: true,
      prompt: { messages },
      tokenizerFingerprint: backend.tokenizerFingerprint,
      sampling: { temperature, seed, topK: 20, maxTokens: 48, stopTokens: [stopToken] },
      draftTokens: 8,
    });
  };

  it(
    'greedy SpecSteer (K = 20) emits exactly the greedy decoding of π from full distributions',
    async () => {
      for (const request of requests) {
        const { context } = await contexts(request, true);
        const exact = await runExactFusion({
          drafter,
          context,
          target: backend.target,
          sampling: {
            temperature: 0,
            seed: 1,
            topK: backend.vocabSize,
            maxTokens: 48,
            stopTokens: [stopToken],
          },
        });
        const spec = await specSteer(request, true, 0, 1);
        expect(spec.tokens).toEqual(exact.tokens);
        // Several tokens per round trip: the draft and π agree on long runs.
        expect(spec.tokens.length / spec.metrics.rounds).toBeGreaterThan(2);
      }
    },
    TIMEOUT_MS,
  );

  it(
    'labels nothing `steered` without private context, greedy or sampled at any temperature',
    async () => {
      let recovered = 0;
      for (const temperature of [0, 0.7, 1, 1.5]) {
        for (const [i, request] of requests.entries()) {
          const result = await specSteer(request, false, temperature, 10 + i);
          expect(result.origins).not.toContain('steered');
          recovered += result.origins.filter((o) => o === 'corrected').length;
        }
      }
      expect(recovered).toBeGreaterThan(0);
      // With the history, the same requests are steered somewhere: the label is not dead.
      // (One drafter: its generations run one after another.)
      let anySteered = false;
      for (const seed of [1, 2, 3, 4]) {
        const result = await specSteer(requests[seed % 2]!, true, 1, seed);
        anySteered ||= result.origins.includes('steered');
      }
      expect(anySteered).toBe(true);
    },
    TIMEOUT_MS,
  );
});
