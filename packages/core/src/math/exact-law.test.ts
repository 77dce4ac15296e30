// The proofs of docs/design.md "The math", by exact enumeration over every
// draft, every accept/reject branch and every tail sample the server could
// draw: with no private context (q = s) a round emits the cloud's p exactly,
// at ANY top-K and temperature; with private context it emits π exactly when
// the correction carries the whole vocabulary, for any α.

import { describe, expect, it } from 'vitest';
import type { SamplingParams, TokenId } from './types.ts';
import { draftCorrections } from './verify.ts';
import { sampledCommit } from './recover.ts';
import { chooseDraftToken } from './draft.ts';
import { totalVariation } from './emitted.ts';
import { fusionTarget } from './fusion.ts';
import { rngStream } from '../rng.ts';
import {
  randomTableModel,
  scoreDraft,
  tempered,
  type TableModel,
} from './testing/explicit-scores.ts';
import {
  emittedBlocks,
  firstTokenDistribution,
  largestCompletionError,
} from './testing/enumerate-round.ts';

const sampled = (topK: number, alpha = 1, temperature = 1): SamplingParams => ({
  temperature,
  alpha,
  topK,
});

// (vocabulary size, draft length) pairs: every k from 1 to 6, V from 3 to 6,
// kept to V^(k+1) ≤ 4,096 sequences so the enumeration takes milliseconds.
const CASES: Array<[number, number]> = [
  [6, 1],
  [5, 2],
  [6, 3],
  [5, 4],
  [4, 5],
  [3, 6],
];

describe('when the device has no private context (q = s)', () => {
  for (const [vocabSize, k] of CASES) {
    for (const seed of [1, 2, 3]) {
      it(`emits exactly p over a whole ${k}-token block at every top-K (V = ${vocabSize}, seed ${seed})`, () => {
        // Zeros in p test the p = 0 convention (never accepted, never recovered).
        const target = randomTableModel(seed * 100 + 1, vocabSize, { zeros: seed === 3 ? 1 : 0 });
        const reference = randomTableModel(seed * 100 + 2, vocabSize);
        const alpha = [1, 0.5, 2][seed - 1]!;
        const temperature = [1, 0.7, 1.6][seed - 1]!;
        const chain = tempered(target, temperature);
        for (let topK = 1; topK <= vocabSize; topK++) {
          const blocks = emittedBlocks(
            { target, reference, draft: reference },
            k,
            sampled(topK, alpha, temperature),
            vocabSize,
          );
          const total = [...blocks.values()].reduce((sum, m) => sum + m, 0);
          expect(total).toBeCloseTo(1, 12);
          expect(totalVariation(firstTokenDistribution(blocks, vocabSize), chain([]))).toBeLessThan(
            1e-12,
          );
          expect(largestCompletionError(blocks, chain, k, vocabSize)).toBeLessThan(1e-12);
        }
      });
    }
  }
});

describe('with private context (q ≠ s) and the whole vocabulary in the correction', () => {
  for (const [vocabSize, k] of CASES) {
    for (const alpha of [1, 0.5, 2]) {
      it(`emits exactly π ∝ p·(q/s)^α over a whole ${k}-token block (V = ${vocabSize}, α = ${alpha})`, () => {
        const target = randomTableModel(11, vocabSize);
        const reference = randomTableModel(12, vocabSize);
        const draft = randomTableModel(13, vocabSize);
        const pi: TableModel = (context) =>
          fusionTarget(target(context), draft(context), reference(context), alpha);
        const blocks = emittedBlocks(
          { target, reference, draft },
          k,
          sampled(vocabSize, alpha),
          vocabSize,
        );
        expect(largestCompletionError(blocks, pi, k, vocabSize)).toBeLessThan(1e-12);
      });
    }
  }
});

/** First `length` tokens of a whole session run through the real sampled loop, seeded by `seed`. */
function runLoop(
  models: { target: TableModel; reference: TableModel; draft: TableModel },
  seed: number,
  k: number,
  length: number,
  vocabSize: number,
  topK: number,
): TokenId[] {
  const sampling = sampled(topK);
  const output: TokenId[] = [];
  for (let round = 0; output.length < length; round++) {
    const draftRng = rngStream(seed, round, 'draft');
    const draft: TokenId[] = [];
    for (let i = 0; i < k; i++) {
      draft.push(
        chooseDraftToken(models.draft([...output, ...draft]), 1, () => draftRng.uniform()),
      );
    }
    const verifyRng = rngStream(seed, round, 'verify');
    const corrections = draftCorrections(
      { draft, target: scoreDraft(models.target, output, draft), topK, vocabSize },
      () => verifyRng.uniform(),
    );
    const recoverRng = rngStream(seed, round, 'recover');
    const { tokens } = sampledCommit(
      draft,
      corrections.map((correction, i) => ({
        correction,
        q: models.draft([...output, ...draft.slice(0, i)]),
        s: models.reference([...output, ...draft.slice(0, i)]),
      })),
      sampling,
      () => recoverRng.uniform(),
    );
    output.push(...tokens);
  }
  return output.slice(0, length);
}

/** Pearson's statistic of the first two tokens of `runs` seeded sessions against the chain law of `target`. */
function chiSquareOfFirstTwoTokens(
  models: { target: TableModel; reference: TableModel; draft: TableModel },
  runs: number,
  vocabSize: number,
): number {
  const counts = new Float64Array(vocabSize * vocabSize);
  for (let seed = 0; seed < runs; seed++) {
    const [a, b] = runLoop(models, seed, 3, 2, vocabSize, 2);
    counts[a! * vocabSize + b!]! += 1;
  }
  let statistic = 0;
  const first = models.target([]);
  for (let a = 0; a < vocabSize; a++) {
    const second = models.target([a]);
    for (let b = 0; b < vocabSize; b++) {
      const expected = runs * first[a]! * second[b]!;
      statistic += (counts[a * vocabSize + b]! - expected) ** 2 / expected;
    }
  }
  return statistic;
}

describe('the full sampled loop (draft → draftCorrections → sampledCommit) with q = s and top-2 corrections', () => {
  const vocabSize = 4;
  const runs = 20_000;
  // 16 cells, 15 degrees of freedom: the 0.1% critical value of χ²(15).
  const CRITICAL_15_DOF_AT_0_001 = 37.697;
  // A floor keeps every cell's expected count above 100 at 20,000 runs.
  const target = randomTableModel(7, vocabSize, { floor: 1 });
  const reference = randomTableModel(8, vocabSize, { floor: 1 });

  it('passes a chi-square test against p on the first two tokens (fixed seeds, so it cannot flake)', () => {
    const statistic = chiSquareOfFirstTwoTokens(
      { target, reference, draft: reference },
      runs,
      vocabSize,
    );
    console.log(
      `χ² of the sampled loop against p, q = s: ${statistic.toFixed(2)} (15 dof, 0.1% critical value ${CRITICAL_15_DOF_AT_0_001})`,
    );
    expect(statistic).toBeLessThan(CRITICAL_15_DOF_AT_0_001);
  });

  it('has the power to see a wrong law: with a private shift (q ≠ s) the same test rejects p', () => {
    const privateDraft = randomTableModel(9, vocabSize, { floor: 0.2 });
    const statistic = chiSquareOfFirstTwoTokens(
      { target, reference, draft: privateDraft },
      runs,
      vocabSize,
    );
    console.log(`χ² of the sampled loop against p, q ≠ s (control): ${statistic.toFixed(2)}`);
    expect(statistic).toBeGreaterThan(CRITICAL_15_DOF_AT_0_001);
  });
});
