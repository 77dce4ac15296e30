// TV(emitted first token, π) as the correction's K shrinks, at the vocabulary
// size of our model pair (V = 1,024), by exact enumeration over the draft
// token and the accept/reject branch. A measurement, not a test:
//   pnpm exec tsx packages/core/bench/top-k-error.bench.ts
// (The test suite asserts exactness at K = V on small vocabularies.)

import { fusionTarget, totalVariation, type SamplingParams } from '../src/math/index.ts';
import { firstEmittedToken, type RoundModels } from '../src/math/testing/enumerate-round.ts';
import { createRng, type Rng } from '../src/rng.ts';

const V = 1024;

/** Standard normal draws (Box–Muller) from the seeded stream. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

function softmax(logits: Float64Array): Float64Array {
  let top = -Infinity;
  for (const z of logits) top = Math.max(top, z);
  const w = logits.map((z) => Math.exp(z - top));
  const total = w.reduce((sum, v) => sum + v, 0);
  return w.map((v) => v / total);
}

/**
 * Correlated synthetic laws: both cloud models share logits (they learned the
 * same language) plus their own noise; the private context tilts the small
 * model's logits a little everywhere and strongly for a few tokens.
 */
function laws(seed: number) {
  const rng = createRng(seed);
  const shared = Float64Array.from({ length: V }, () => 2.5 * normal(rng));
  const p = softmax(shared.map((z) => z + 0.7 * normal(rng)));
  const sLogits = shared.map((z) => z + 0.7 * normal(rng));
  const s = softmax(sLogits);
  const q = softmax(sLogits.map((z, y) => z + 0.5 * normal(rng) + (y % 97 === 0 ? 3 : 0)));
  return { p, q, s };
}

const rows: Array<Record<string, number>> = [];
for (const seed of [1, 2, 3, 1024]) {
  const { p, q, s } = laws(seed);
  const z = q.reduce((sum, qy, y) => sum + (qy * p[y]!) / s[y]!, 0);
  const pi = fusionTarget(p, q, s, 1);
  for (const topK of [V, 256, 64, 20, 5, 1]) {
    const at = (models: RoundModels, target: Float64Array, c: number, k: number): number => {
      const sampling: SamplingParams = { temperature: 1, alpha: 1, leniency: c, tau: 1, topK };
      return totalVariation(firstEmittedToken(models, k, sampling, V), target);
    };
    const shared: RoundModels = { target: () => p, reference: () => s, draft: () => s };
    const steered: RoundModels = { target: () => p, reference: () => s, draft: () => q };
    const topMass = [...p]
      .sort((a, b) => b - a)
      .slice(0, topK)
      .reduce((sum, v) => sum + v, 0);
    rows.push({
      seed,
      K: topK,
      'p mass in its top-K': Number(topMass.toPrecision(3)),
      'q = s, k ≥ 1': Number(at(shared, p, 1, 1).toPrecision(3)),
      'q steered, k ≥ 1': Number(at(steered, pi, Math.max(1, z), 1).toPrecision(3)),
      'q steered, k = 0 (token-level fusion)': Number(
        at(steered, pi, Math.max(1, z), 0).toPrecision(3),
      ),
    });
  }
}
console.log(`TV(emitted first token, π), V = ${V}, α = 1, c = max(1, Z) (exact at K = V):`);
console.table(rows);
