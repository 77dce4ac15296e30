import type { PositionScore, ScoringSession, TokenId } from '@specsteer/core';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCpuLlama } from '../models/cpu-llama.ts';
import { LlamaScorer } from './llama-scorer.ts';
import { OfflineTokenizer } from '../tokenizer/offline-tokenizer.ts';
import { validateModelFile } from '../gguf/index.ts';
import { testModelPair } from '../testing/test-model-pair.ts';

const pair = testModelPair();

/** Largest |Δ log p| over every token of every position (Infinity when an id order differs). */
function maxLogprobDifference(a: PositionScore[], b: PositionScore[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((position, i) => {
    const other = b[i]!;
    const byId = new Map(other.top.ids.map((id, j) => [id, other.top.logprobs[j]!]));
    position.top.ids.forEach((id, j) => {
      const logprob = byId.get(id);
      max = Math.max(
        max,
        logprob === undefined ? Infinity : Math.abs(position.top.logprobs[j]! - logprob),
      );
    });
    if (position.tokenLogprob !== null || other.tokenLogprob !== null) {
      max = Math.max(max, Math.abs((position.tokenLogprob ?? NaN) - (other.tokenLogprob ?? NaN)));
    }
  });
  return max;
}

describe.skipIf(pair === null)('LlamaScorer on the small model', () => {
  let model: LlamaModel;
  let vocabSize: number;
  let prompt: TokenId[];
  beforeAll(async () => {
    const file = await validateModelFile(pair!.referencePath);
    vocabSize = file.tokens.length;
    model = await (await getCpuLlama()).loadModel({ modelPath: pair!.referencePath, gpuLayers: 0 });
    prompt = new OfflineTokenizer(model).tokenizePublicPrompt([
      { role: 'user', content: 'Write a note to the team about the capital of Varnia.' },
    ]);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  const scorerWith = (sequencesPerContext: number, maxContexts: number) =>
    new LlamaScorer(model, vocabSize, { contextSize: 256, sequencesPerContext, maxContexts });

  /** Fresh: a new scorer, so nothing is in any cache. */
  async function scoreFresh(tokens: TokenId[], from: number): Promise<PositionScore[]> {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    try {
      return await session.score(tokens, from, { topK: vocabSize, temperature: 1 });
    } finally {
      await session.close();
      await scorer.close();
    }
  }

  it('scores with a reused KV cache equal a fresh evaluation of the whole sequence', async () => {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    const ids = (start: number, n: number) =>
      Array.from({ length: n }, (_, i) => (start + 7 * i) % vocabSize);
    // Three rounds: draft 8, keep 3 + a correction, draft 8 more; then an all-accepted round.
    let committed: TokenId[] = [];
    const rounds = [ids(40, 8), ids(90, 8), ids(150, 8)];
    for (const [round, draft] of rounds.entries()) {
      const tokens = [...prompt, ...committed, ...draft];
      const from = prompt.length + committed.length;
      const reused = await session.score(tokens, from, { topK: vocabSize, temperature: 1 });
      const fresh = await scoreFresh(tokens, from);
      expect(reused).toHaveLength(draft.length + 1);
      expect(maxLogprobDifference(reused, fresh), `round ${round}`).toBeLessThanOrEqual(1e-6);
      committed =
        round === 1 ? [...committed, ...draft, 5] : [...committed, ...draft.slice(0, 3), 17];
    }
    await session.close();
    await scorer.close();
  });

  it('evaluates only the tokens after the part of the sequence already cached', async () => {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    const draft = [40, 41, 42, 43, 44, 45, 46, 47];
    await session.score([...prompt, ...draft], prompt.length, { topK: 5, temperature: 1 });
    expect(scorer.counter.evaluatedTokens).toBe(prompt.length + 8);
    // Round 2: 3 accepted + 1 correction committed, 8 new drafts: 9 tokens to evaluate.
    await session.score([...prompt, 40, 41, 42, 99, ...draft], prompt.length + 4, {
      topK: 5,
      temperature: 1,
    });
    expect(scorer.counter.evaluatedTokens).toBe(prompt.length + 8 + 9);
    expect(scorer.counter.reusedTokens).toBe(prompt.length + 3);
    await session.close();
    await scorer.close();
  });

  it('keeps every session exact when there are more sessions than sequences', async () => {
    const scorer = scorerWith(1, 2); // two sequences for four sessions: caches get evicted
    const sessions: ScoringSession[] = await Promise.all(
      [0, 1, 2, 3].map(() => scorer.openSession()),
    );
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        sessions.map(async (session, s) => {
          const tokens = [
            ...prompt,
            ...Array.from({ length: 4 * (round + 1) }, (_, i) => (s * 31 + i * 3) % vocabSize),
          ];
          const from = prompt.length + 4 * round;
          return {
            tokens,
            from,
            scores: await session.score(tokens, from, { topK: 20, temperature: 1 }),
          };
        }),
      );
      for (const { tokens, from, scores } of results) {
        const fresh = (await scoreFresh(tokens, from)).map((p) => ({
          top: { ids: p.top.ids.slice(0, 20), logprobs: p.top.logprobs.slice(0, 20) },
          tokenLogprob: p.tokenLogprob,
        }));
        expect(maxLogprobDifference(scores, fresh)).toBeLessThanOrEqual(1e-6);
      }
    }
    expect(scorer.pool.size).toBe(2);
    await Promise.all(sessions.map((s) => s.close()));
    expect(scorer.sessionCount).toBe(0);
    await scorer.close();
  });

  it('returns the top-K highest first and the log-probability of each following token', async () => {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    const tokens = [...prompt, 40, 41];
    const [first, second, last] = await session.score(tokens, prompt.length, {
      topK: 10,
      temperature: 1,
    });
    for (const position of [first!, second!, last!]) {
      expect(position.top.ids).toHaveLength(10);
      const sorted = [...position.top.logprobs].sort((a, b) => b - a);
      expect(position.top.logprobs).toEqual(sorted);
    }
    const full = await scoreFresh(tokens, prompt.length);
    const logprobOf = (p: PositionScore, id: TokenId) => p.top.logprobs[p.top.ids.indexOf(id)];
    expect(first!.tokenLogprob).toBe(logprobOf(full[0]!, 40));
    expect(second!.tokenLogprob).toBe(logprobOf(full[1]!, 41));
    expect(last!.tokenLogprob).toBeNull();
    // The full distribution sums to one (float32 softmax: within ~1e-5): the raw softmax, untruncated.
    const mass = full[0]!.top.logprobs.reduce((sum, l) => sum + Math.exp(l), 0);
    expect(Math.abs(mass - 1)).toBeLessThanOrEqual(1e-4);
    expect(full[0]!.top.ids).toHaveLength(vocabSize);
    await session.close();
    await scorer.close();
  });

  it('refuses token ids outside the vocabulary and sequences longer than the context, with protocol codes', async () => {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    await expect(
      session.score([...prompt, vocabSize], prompt.length, { topK: 5, temperature: 1 }),
    ).rejects.toMatchObject({
      code: 'TOKEN_OUT_OF_RANGE',
    });
    await expect(
      session.score(new Array(300).fill(40), 290, { topK: 5, temperature: 1 }),
    ).rejects.toMatchObject({
      code: 'PROMPT_TOO_LONG',
    });
    // The session is still usable after refused requests.
    await expect(
      session.score([...prompt, 40], prompt.length, { topK: 5, temperature: 1 }),
    ).resolves.toHaveLength(2);
    await session.close();
    await scorer.close();
  });

  it('answers BACKEND_UNAVAILABLE, not a crash, once the backend is closing', async () => {
    const scorer = scorerWith(1, 1);
    const session = await scorer.openSession();
    await session.score([...prompt, 40], prompt.length, { topK: 5, temperature: 1 });
    await scorer.close();
    await expect(
      session.score([...prompt, 40, 41], prompt.length, { topK: 5, temperature: 1 }),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    await session.close();
  });
});
