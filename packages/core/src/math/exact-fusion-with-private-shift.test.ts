// docs/design.md §2 tests 2 and 3: with a private shift (q ≠ s) a round emits the
// analytic D = q·a + P(reject)·R as its first token (and the bonus token after
// a fully accepted draft from π); D = π when α = 1 and c ≥ Z, and whenever
// π ≥ q·a pointwise; elsewhere TV(D, π) is measured and reported.

import { afterAll, describe, expect, it } from 'vitest';
import type { SamplingParams } from './types.ts';
import { acceptProbability } from './acceptance.ts';
import { emittedDistribution, totalVariation } from './emitted.ts';
import { fusionTarget } from './fusion.ts';
import { steeringResidual } from './residual.ts';
import { createRng } from '../rng.ts';
import { randomDistribution, randomTableModel } from './testing/explicit-scores.ts';
import {
  emittedBlocks,
  firstTokenDistribution,
  largestCompletionError,
  type RoundModels,
} from './testing/enumerate-round.ts';

const sampled = (vocabSize: number, alpha: number, leniency: number): SamplingParams => ({
  temperature: 1,
  alpha,
  leniency,
  tau: 1,
  topK: vocabSize,
});

/** Z = Σ q·p/s: with α = 1, q·a = min(q, Zπ/c), so c ≥ Z makes the round exact. */
function fusionNormalizer(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  s: ArrayLike<number>,
): number {
  let z = 0;
  for (let y = 0; y < p.length; y++) z += (q[y]! * p[y]!) / s[y]!;
  return z;
}

/** π(y) ≥ q(y)·a(y) for every y: the condition under which D = π. */
function targetCoversAcceptedMass(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  s: ArrayLike<number>,
  alpha: number,
  c: number,
): boolean {
  const pi = fusionTarget(p, q, s, alpha);
  for (let y = 0; y < pi.length; y++) {
    if (pi[y]! < q[y]! * acceptProbability(p[y]!, s[y]!, c) - 1e-15) return false;
  }
  return true;
}

describe('α = 1 with leniency c ≥ Z', () => {
  for (const seed of [11, 12, 13, 14, 15]) {
    it(`emits exactly π over a 3-token block and its correction (V = 5, seed ${seed})`, () => {
      const rng = createRng(seed);
      const [p, q, s] = [
        randomDistribution(rng, 5),
        randomDistribution(rng, 5),
        randomDistribution(rng, 5),
      ];
      const z = fusionNormalizer(p, q, s);
      const pi = fusionTarget(p, q, s, 1);
      for (const c of [Math.max(1, z), 1.5 * z]) {
        const blocks = emittedBlocks(
          { target: () => p, reference: () => s, draft: () => q },
          3,
          sampled(5, 1, c),
          5,
        );
        expect(totalVariation(firstTokenDistribution(blocks, 5), pi)).toBeLessThan(1e-12);
        expect(largestCompletionError(blocks, () => pi, 3, 5)).toBeLessThan(1e-12);
        expect(totalVariation(emittedDistribution(p, q, s, 1, c), pi)).toBeLessThan(1e-12);
      }
    });
  }
});

/**
 * The block law the analytic pieces predict: accept z_1..z_{m-1} (each with
 * probability q·a), then either reject at m and recover z_m from R (weight
 * P(reject)·R(z_m)), or, when m = k+1, draw the bonus z_m from π.
 */
function analyticBlockProbability(
  block: number[],
  { target, reference, draft }: RoundModels,
  k: number,
  alpha: number,
  c: number,
): number {
  let mass = 1;
  for (let i = 0; i < block.length; i++) {
    const context = block.slice(0, i);
    const [p, q, s] = [target(context), draft(context), reference(context)];
    const pi = fusionTarget(p, q, s, alpha);
    const a = Array.from(p, (py, y) => acceptProbability(py, s[y]!, c));
    const y = block[i]!;
    if (i === block.length - 1) {
      if (i === k) return mass * pi[y]!;
      const rejectMass = 1 - q.reduce((sum, qy, x) => sum + qy * a[x]!, 0);
      return mass * rejectMass * steeringResidual(pi, q, a)[y]!;
    }
    mass *= q[y]! * a[y]!;
  }
  return mass;
}

function allSequences(vocabSize: number, maxLength: number): number[][] {
  const out: number[][] = [];
  const grow = (prefix: number[]): void => {
    if (prefix.length > 0) out.push(prefix);
    if (prefix.length === maxLength) return;
    for (let y = 0; y < vocabSize; y++) grow([...prefix, y]);
  };
  grow([]);
  return out;
}

describe('any α and c with a private shift', () => {
  const rows: Array<Record<string, string | number | boolean>> = [];
  afterAll(() => {
    console.log('TV(D, π) at the first position, any α and c (docs/design.md §2 test 3):');
    console.table(rows);
  });

  const settings: Array<[number, number]> = [
    [1, 1],
    [0.5, 1],
    [2, 1],
    [1, 2],
    [0.5, 3],
    [2, 0.5],
  ];
  const vocabSize = 4;
  const k = 2;
  for (const [alpha, leniency] of settings) {
    for (const seed of [21, 22, 23]) {
      it(`emits D as its first token and the analytic block law, and D = π where π ≥ q·a (α = ${alpha}, c = ${leniency}, seed ${seed})`, () => {
        const models = {
          target: randomTableModel(seed * 10 + 1, vocabSize),
          reference: randomTableModel(seed * 10 + 2, vocabSize),
          draft: randomTableModel(seed * 10 + 3, vocabSize),
        };
        const blocks = emittedBlocks(models, k, sampled(vocabSize, alpha, leniency), vocabSize);
        let worst = 0;
        for (const block of allSequences(vocabSize, k + 1)) {
          const enumerated = blocks.get(block.join(',')) ?? 0;
          worst = Math.max(
            worst,
            Math.abs(enumerated - analyticBlockProbability(block, models, k, alpha, leniency)),
          );
        }
        expect(worst).toBeLessThan(1e-12);

        const [p, q, s] = [models.target([]), models.draft([]), models.reference([])];
        const analytic = emittedDistribution(p, q, s, alpha, leniency);
        expect(totalVariation(firstTokenDistribution(blocks, vocabSize), analytic)).toBeLessThan(
          1e-12,
        );

        const pi = fusionTarget(p, q, s, alpha);
        const distance = totalVariation(analytic, pi);
        const covered = targetCoversAcceptedMass(p, q, s, alpha, leniency);
        if (covered) expect(distance).toBeLessThan(1e-12);
        rows.push({
          alpha,
          c: leniency,
          seed,
          Z: Number(fusionNormalizer(p, q, s).toFixed(3)),
          'π ≥ q·a': covered,
          'TV(D, π)': Number(distance.toExponential(3)),
        });
      });
    }
  }
});
