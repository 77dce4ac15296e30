import {
  renderHistory,
  renderPublicPrompt,
  type Distribution,
  type TokenId,
} from '@specsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppBackend, type LlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { testModelPair } from '@specsteer/llama/testing';
import { LlamaDrafter } from '@specsteer/llama';

const pair = testModelPair();

const argmax = (q: Distribution): TokenId =>
  q.reduce((best, p, id) => (p > q[best]! ? id : best), 0);
const never = () => false;
/** A device context with nothing private: device and public are the same tokens. */
const alone = (tokens: TokenId[]) => ({ device: tokens, public: tokens });

function maxDifference(a: Distribution, b: Distribution): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, p, id) => Math.max(max, Math.abs(p - b[id]!)), 0);
}

describe.skipIf(pair === null)('LlamaDrafter on the small model', () => {
  let drafter: LlamaDrafter;
  let backend: LlamaCppBackend;
  const request = [
    { role: 'user' as const, content: 'Write a note to the team about the capital of Varnia.' },
  ];
  let publicPrompt: TokenId[];
  beforeAll(async () => {
    drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 256 });
    backend = await createLlamaCppBackend({
      targetPath: pair!.targetPath,
      contextSize: 256,
      sequencesPerContext: 1,
      maxContexts: 1,
    });
    publicPrompt = await backend.tokenizePrompt(request);
  });
  afterAll(async () => {
    await drafter?.dispose();
    await backend?.close();
  });

  it('returns q itself as s when the device context holds nothing private', async () => {
    await drafter.begin(alone(publicPrompt));
    const block = await drafter.draft(8, argmax, never);
    expect(block.tokens).toHaveLength(8);
    expect(block.distributions).toHaveLength(9);
    expect(block.references).toBe(block.distributions);
  });

  it('scores s on the public context in one batch: equal to q of a drafter without the history', async () => {
    const history = renderHistory(['Hey crew! Mochi ate my sock again. Onward, Dara']);
    const device = backend.tokenizer.tokenizeDocument(history + renderPublicPrompt(request));
    await drafter.begin({ device, public: publicPrompt });
    const block = await drafter.draft(8, argmax, never);
    expect(block.references).toHaveLength(block.tokens.length + 1);
    const plain = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 256 });
    await plain.begin(alone(publicPrompt));
    // Replay the same draft tokens on the public context.
    const replayed = await plain.draft(
      block.tokens.length,
      (() => {
        let i = 0;
        return () => block.tokens[i++]!;
      })(),
      never,
    );
    await plain.dispose();
    // Never a one-token batch on either side (evaluateSuffix): what remains is float32 rounding.
    let worst = 0;
    replayed.distributions.forEach((q, i) => {
      worst = Math.max(worst, maxDifference(q, block.references[i]!));
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
    // And the history does move q away from s somewhere: the point of the private context.
    const moved = block.distributions.some((q, i) => maxDifference(q, block.references[i]!) > 1e-3);
    expect(moved).toBe(true);
  });

  it('reports its room: the context size less the device context and the output', async () => {
    await drafter.begin(alone(publicPrompt));
    expect(drafter.room(0)).toBe(256 - publicPrompt.length);
    expect(drafter.room(256)).toBe(0);
  });

  it('gives the same q after commit (cache reused) as a fresh drafter given the whole context', async () => {
    const history = renderHistory(['Hey crew! Mochi ate my sock again. Onward, Dara']);
    const device = backend.tokenizer.tokenizeDocument(history + renderPublicPrompt(request));
    await drafter.begin(alone(device));
    const first = await drafter.draft(8, argmax, never);
    const committed = [...first.tokens.slice(0, 3), 40]; // 3 accepted, one recovered token
    const before = drafter.evaluatedTokens;
    await drafter.commit(committed);
    // Only the recovered token is new; the token before it is decoded with it (never a one-token batch).
    expect(drafter.evaluatedTokens - before).toBe(2);
    const second = await drafter.draft(4, argmax, never);

    const fresh = await LlamaDrafter.create({ modelPath: pair!.referencePath, contextSize: 256 });
    await fresh.begin(alone([...device, ...committed]));
    const expected = await fresh.draft(4, argmax, never);
    await fresh.dispose();
    expect(second.tokens).toEqual(expected.tokens);
    second.distributions.forEach((q, i) =>
      expect(maxDifference(q, expected.distributions[i]!)).toBeLessThanOrEqual(1e-6),
    );
  });

  it('commits an accepted prefix of its own draft without evaluating anything', async () => {
    await drafter.begin(alone(publicPrompt));
    const block = await drafter.draft(6, argmax, never);
    const before = drafter.evaluatedTokens;
    await drafter.commit(block.tokens.slice(0, 4));
    expect(drafter.evaluatedTokens).toBe(before);
    const next = await drafter.draft(1, argmax, never);
    expect(next.tokens[0]).toBe(block.tokens[4]); // greedy from the same state
    expect(maxDifference(next.distributions[0]!, block.distributions[4]!)).toBe(0);
  });

  it('stops after a stop token and still reports q after it', async () => {
    await drafter.begin(alone(publicPrompt));
    const probe = await drafter.draft(3, argmax, never);
    const stopAt = probe.tokens[1]!;
    await drafter.commit([]);
    const block = await drafter.draft(8, argmax, (t) => t === stopAt);
    expect(block.tokens).toEqual(probe.tokens.slice(0, 2));
    expect(block.distributions).toHaveLength(3);
  });

  it('reports q as full distributions over the vocabulary that sum to one', async () => {
    await drafter.begin(alone(publicPrompt));
    const { distributions } = await drafter.draft(2, argmax, never);
    for (const q of distributions) {
      expect(q).toHaveLength(drafter.vocabSize);
      // llama.cpp's softmax is float32: the sum is 1 within ~1e-5.
      expect(Math.abs(q.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('refuses token ids outside the vocabulary', async () => {
    await expect(drafter.begin(alone([drafter.vocabSize]))).rejects.toThrow(/below/);
    await drafter.begin(alone(publicPrompt));
    await expect(drafter.commit([-1])).rejects.toThrow(/below/);
  });
});
