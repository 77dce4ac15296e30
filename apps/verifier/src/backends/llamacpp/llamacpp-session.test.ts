import {
  OFFLINE_STOP_TEXT,
  VerifierConversation,
  inMemoryTransportFactory,
  renderOfflinePrompt,
  runSpecSteer,
  type InMemoryLink,
  type TokenId,
} from '@specsteer/core';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOptions } from '../backend.ts';
import { LlamaDrafter } from '@specsteer/llama';
import { createLlamaCppBackend, type LlamaCppBackend } from './create-llamacpp-backend.ts';
import { testModelPair } from '@specsteer/llama/testing';

const pair = testModelPair();
const CANARY = 'CANARY-lockercode-5821QX';

describe.skipIf(pair === null)("core's session loop over the embedded llama.cpp backend", () => {
  let backend: LlamaCppBackend;
  let drafter: LlamaDrafter;
  const messages = [
    { role: 'user' as const, content: 'Drop Shaplurk a line about the capital of Plibreisk.' },
  ];
  const history = [
    'Mepei folks! Nybu slept on my notes all morning. Mind the mumur. Brimex, Drysyrk',
    `Note to self: the locker code is ${CANARY}.`,
  ];
  let contextTokens: TokenId[];
  let publicTokens: TokenId[];
  let stopTokens: TokenId[];

  beforeAll(async () => {
    backend = await createLlamaCppBackend({
      targetPath: pair!.targetPath,
      contextSize: 512,
      sequencesPerContext: 2,
      maxContexts: 2,
    });
    drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 512 });
    contextTokens = backend.tokenizer.tokenizeDocument(renderOfflinePrompt({ history, messages }));
    publicTokens = await backend.tokenizePrompt(messages);
    const stop = backend.tokenizer.singleToken(OFFLINE_STOP_TEXT);
    stopTokens = stop === null ? [] : [stop];
  });
  afterAll(async () => {
    await drafter?.dispose();
    await backend?.close();
  });

  const conversation = () => new VerifierConversation(conversationOptions(backend, DEFAULT_LIMITS));

  async function generate(options: { dropAfterFrames?: number; frames?: string[] } = {}) {
    let links = 0;
    let link: InMemoryLink | null = null;
    let framesOnFirstLink = 0;
    return runSpecSteer({
      connect: inMemoryTransportFactory(conversation, {
        onLink: (l) => {
          link = l;
          links++;
        },
        onFrame: ({ text }) => {
          options.frames?.push(text);
          if (links === 1 && ++framesOnFirstLink === options.dropAfterFrames) {
            // A network failure in the middle of the generation.
            queueMicrotask(() => link?.drop('test: cable pulled'));
          }
        },
      }),
      drafter,
      context: { device: contextTokens, public: publicTokens },
      reproducible: true,
      prompt: { messages },
      tokenizerFingerprint: backend.tokenizerFingerprint,
      sampling: { temperature: 0.8, seed: 11, topK: 20, maxTokens: 24, stopTokens },
      draftTokens: 8,
      reconnect: { initialDelayMs: 1 },
    });
  }

  it('generates to a stop token or maxTokens, every token accounted for, and the canary never on the wire', async () => {
    const frames: string[] = [];
    const result = await generate({ frames });
    expect(['stop', 'length']).toContain(result.finish);
    expect(result.tokens.length).toBeLessThanOrEqual(24);
    expect(result.origins).toHaveLength(result.tokens.length);
    expect(result.metrics.rounds).toBeGreaterThan(0);
    expect(frames.length).toBeGreaterThan(4);
    for (const frame of frames) {
      expect(frame).not.toContain('CANARY');
      expect(frame).not.toContain('Nybu slept');
    }
  });

  it('resumes after a dropped connection and emits exactly what an uninterrupted run emits', async () => {
    const uninterrupted = await generate();
    const resumed = await generate({ dropAfterFrames: 7 });
    expect(resumed.metrics.resumes).toBeGreaterThanOrEqual(1);
    expect(resumed.tokens).toEqual(uninterrupted.tokens);
    expect(resumed.origins).toEqual(uninterrupted.origins);
  });
});
