import { describe, expect, it } from 'vitest';
import type { Distribution } from '../engine.ts';
import { ProbabilityTableError, mixTables, randomNgramTable } from './probabilityTable.ts';
import { TableDrafter } from './tableDrafter.ts';
import { TableScorer, topIndices } from './tableScorer.ts';

const argmax = (q: Distribution) => topIndices(q, 1)[0]!;

describe('randomNgramTable', () => {
  it('is deterministic, positive, normalized and depends only on the last `order` tokens', () => {
    const table = randomNgramTable({ vocabSize: 7, seed: 3, order: 2 });
    const again = randomNgramTable({ vocabSize: 7, seed: 3, order: 2 });
    const p = table([1, 2, 3]);
    expect([...again([1, 2, 3])]).toEqual([...p]);
    expect([...table([9, 2, 3])]).toEqual([...p]);
    expect([...table([1, 3, 2])]).not.toEqual([...p]);
    expect([...randomNgramTable({ vocabSize: 7, seed: 4 })([1, 2, 3])]).not.toEqual([...p]);
    expect(p.every((v) => v > 0)).toBe(true);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('boosts chosen tokens and mixes two tables pointwise', () => {
    const flat = randomNgramTable({ vocabSize: 5, seed: 1 });
    const boosted = randomNgramTable({ vocabSize: 5, seed: 1, boost: { tokens: [4], factor: 50 } });
    expect(boosted([])[4]!).toBeGreaterThan(flat([])[4]!);
    const other = randomNgramTable({ vocabSize: 5, seed: 2 });
    const mixed = mixTables(flat, other, 0.25)([0]);
    expect(mixed[2]).toBeCloseTo(0.75 * flat([0])[2]! + 0.25 * other([0])[2]!, 12);
  });
});

describe('TableDrafter', () => {
  it('drafts from table(context ++ committed ++ drafted) and returns q after the last token', async () => {
    const table = randomNgramTable({ vocabSize: 6, seed: 11 });
    const drafter = new TableDrafter({ vocabSize: 6, table });
    await drafter.begin({ device: [5, 1], public: [5, 1] });
    await drafter.commit([2]);
    const block = await drafter.draft(3, argmax, () => false);
    expect(block.tokens).toHaveLength(3);
    expect(block.distributions).toHaveLength(4);
    const sequence = [5, 1, 2];
    block.tokens.forEach((token, i) => {
      expect([...block.distributions[i]!]).toEqual([...table(sequence)]);
      expect(token).toBe(argmax(table(sequence)));
      sequence.push(token);
    });
    expect([...block.distributions[3]!]).toEqual([...table(sequence)]);
    // No private part: s is q itself, the same arrays.
    expect(block.references).toBe(block.distributions);
  });

  it('scores s on the public context at the same positions when the device context holds more', async () => {
    const table = randomNgramTable({ vocabSize: 6, seed: 11, order: 100 });
    const reference = randomNgramTable({ vocabSize: 6, seed: 12, order: 100 });
    const drafter = new TableDrafter({ vocabSize: 6, table, reference, contextSize: 8 });
    await drafter.begin({ device: [0, 4, 4, 1], public: [0, 1] });
    await drafter.commit([2]);
    const block = await drafter.draft(2, argmax, () => false);
    expect(block.references).toHaveLength(3);
    const [y1, y2] = block.tokens;
    expect([...block.references[0]!]).toEqual([...reference([0, 1, 2])]);
    expect([...block.references[2]!]).toEqual([...reference([0, 1, 2, y1!, y2!])]);
    expect([...block.distributions[2]!]).toEqual([...table([0, 4, 4, 1, 2, y1!, y2!])]);
    // 8 − 4 context − 1 committed = 3 tokens of room; a draft needs one position after its last token.
    expect(drafter.room(1)).toBe(3);
    expect((await drafter.draft(9, argmax, () => false)).tokens).toHaveLength(2);
  });

  it('stops after a stop token and keeps n + 1 distributions', async () => {
    const drafter = new TableDrafter({
      vocabSize: 4,
      table: randomNgramTable({ vocabSize: 4, seed: 2 }),
    });
    await drafter.begin({ device: [0], public: [0] });
    const block = await drafter.draft(
      5,
      () => 3,
      (t) => t === 3,
    );
    expect(block.tokens).toEqual([3]);
    expect(block.distributions).toHaveLength(2);
    expect(
      (
        await drafter.draft(
          0,
          () => 3,
          () => false,
        )
      ).distributions,
    ).toHaveLength(1);
  });

  it('refuses use before begin, after dispose, and a table of the wrong size', async () => {
    const drafter = new TableDrafter({ vocabSize: 4, table: () => new Float64Array([1, 0, 0]) });
    await expect(
      drafter.draft(
        1,
        () => 0,
        () => false,
      ),
    ).rejects.toThrow(/before begin/);
    await drafter.begin({ device: [0], public: [0] });
    await expect(
      drafter.draft(
        1,
        () => 0,
        () => false,
      ),
    ).rejects.toThrow(ProbabilityTableError);
    await drafter.dispose();
    await expect(drafter.begin({ device: [0], public: [0] })).rejects.toThrow(/disposed/);
  });
});

describe('TableScorer', () => {
  it('scores each position from `from` on: top-K and the log-probability of the following token', async () => {
    const table = randomNgramTable({ vocabSize: 8, seed: 5 });
    const scorer = new TableScorer({ vocabSize: 8, table });
    const session = await scorer.openSession();
    const tokens = [1, 2, 3, 4];
    const scores = await session.score(tokens, 2, { topK: 3, temperature: 1 });
    expect(scores).toHaveLength(3);
    scores.forEach((score, i) => {
      const j = 2 + i;
      const probs = table(tokens.slice(0, j));
      expect(score.top.ids).toEqual(topIndices(probs, 3));
      expect(score.top.logprobs[0]).toBeCloseTo(Math.log(Math.max(...probs)), 12);
      if (j < tokens.length)
        expect(score.tokenLogprob).toBeCloseTo(Math.log(probs[tokens[j]!]!), 12);
      else expect(score.tokenLogprob).toBeNull();
    });
    expect(scorer.openSessions).toBe(1);
    await session.close();
    expect(scorer.openSessions).toBe(0);
    await expect(session.score(tokens, 1, { topK: 1, temperature: 1 })).rejects.toThrow(/closed/);
  });

  it('refuses a `from` outside 1..length', async () => {
    const session = await new TableScorer({
      vocabSize: 3,
      table: randomNgramTable({ vocabSize: 3, seed: 1 }),
    }).openSession();
    await expect(session.score([0, 1], 0, { topK: 1, temperature: 1 })).rejects.toThrow(
      /from position 0/,
    );
    await expect(session.score([0, 1], 3, { topK: 1, temperature: 1 })).rejects.toThrow(
      ProbabilityTableError,
    );
  });
});
