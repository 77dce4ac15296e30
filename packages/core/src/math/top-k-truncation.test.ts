// docs/design.md §2 test 4: the correction carries only each scorer's top-K (plus
// the rejected token and the tail mass); the distance of what a round emits
// from π is measured as K shrinks, and is zero at K = vocabulary size.

import { afterAll, describe, expect, it } from 'vitest';
import type { SamplingParams } from './types.ts';
import { totalVariation } from './emitted.ts';
import { fusionTarget } from './fusion.ts';
import { createRng, type Rng } from '../rng.ts';
import { randomDistribution } from './testing/explicit-scores.ts';
import {
  emittedBlocks,
  firstEmittedToken,
  firstTokenDistribution,
  type RoundModels,
} from './testing/enumerate-round.ts';

const VOCAB = 12;

/** A peaked distribution, like a language model's next-token law. */
function peaked(rng: Rng): Float64Array {
  const d = randomDistribution(rng, VOCAB).map((v) => v ** 3);
  const total = d.reduce((sum, v) => sum + v, 0);
  return d.map((v) => v / total);
}

function firstTokenAtTopK(
  models: RoundModels,
  k: number,
  topK: number,
  alpha: number,
  leniency: number,
): Float64Array {
  const sampling: SamplingParams = { temperature: 1, alpha, leniency, tau: 1, topK };
  const first = firstTokenDistribution(emittedBlocks(models, k, sampling, VOCAB), VOCAB);
  // The shortcut the V = 1,024 table uses must agree with the full enumeration.
  expect(totalVariation(firstEmittedToken(models, k, sampling, VOCAB), first)).toBeLessThan(1e-14);
  return first;
}

describe('top-K truncation of the correction', () => {
  const rows: Array<Record<string, number>> = [];
  afterAll(() => {
    console.log(
      `TV(emitted first token, π) as K shrinks, V = ${VOCAB} (docs/design.md §2 test 4):`,
    );
    console.table(rows);
  });

  for (const seed of [31, 32, 33]) {
    it(`is exact at K = V and its error is reported for every smaller K (seed ${seed})`, () => {
      const rng = createRng(seed);
      const [p, s] = [peaked(rng), peaked(rng)];
      // A realistic private shift: the same small model, its odds tilted by at most 5× either way.
      const tilted = s.map((sy) => sy * Math.exp((2 * rng.uniform() - 1) * Math.log(5)));
      const qTilted = tilted.map((v) => v / tilted.reduce((sum, w) => sum + w, 0));
      // An adversarial one: q independent of s, so π sits where s is tiny — outside s's top-K.
      const qIndependent = peaked(rng);
      const cases = {
        'q = s, k = 1': { q: s, k: 1 },
        'q tilted, k = 1': { q: qTilted, k: 1 },
        'q tilted, k = 0 (token-level fusion)': { q: qTilted, k: 0 },
        'q independent, k = 1': { q: qIndependent, k: 1 },
      };
      for (let topK = VOCAB; topK >= 1; topK--) {
        const row: Record<string, number> = { seed, K: topK };
        for (const [name, { q, k }] of Object.entries(cases)) {
          // α = 1 and c = max(1, Z): exact when nothing is truncated, so what remains is truncation error.
          const z = q.reduce((sum, qy, y) => sum + (qy * p[y]!) / s[y]!, 0);
          const models: RoundModels = { target: () => p, reference: () => s, draft: () => q };
          const distance = totalVariation(
            firstTokenAtTopK(models, k, topK, 1, Math.max(1, z)),
            fusionTarget(p, q, s, 1),
          );
          if (topK === VOCAB) expect(distance, name).toBeLessThan(1e-12);
          row[name] = Number(distance.toPrecision(3));
        }
        rows.push(row);
      }
    });
  }
});
