// TV(emitted token, π) as the correction's K shrinks, at the vocabulary size
// of our model pair (V = 1,024), exactly (protocolLaw: every draft, branch and
// tail sample). A measurement on synthetic laws, not a test:
//   npx -y pnpm@12.4.2 exec tsx packages/core/bench/top-k-error.bench.ts
// (The test suite proves exactness at K = V and with q = s at any K; the
// fidelity script of tools/bench measures the shipped model pair.)

import { fusionTarget, protocolLaw, totalVariation } from '../src/math/index.ts';
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
  const pi = fusionTarget(p, q, s, 1);
  for (const topK of [V, 256, 64, 20, 5, 1]) {
    const tv = (qq: Float64Array, target: Float64Array, tailSample: boolean) =>
      Number(
        totalVariation(
          protocolLaw({ p, q: qq, s, alpha: 1, topK, tailSample }).emitted,
          target,
        ).toPrecision(3),
      );
    const topMass = [...p]
      .sort((a, b) => b - a)
      .slice(0, topK)
      .reduce((sum, v) => sum + v, 0);
    rows.push({
      seed,
      K: topK,
      'p mass in its top-K': Number(topMass.toPrecision(3)),
      'q = s': tv(s, p, true),
      'q steered, tail sample': tv(q, pi, true),
      'q steered, estimate only (vLLM)': tv(q, pi, false),
    });
  }
}
console.log(
  `TV(emitted token, π), V = ${V}, α = 1 (exact at K = V, and with q = s given a tail sample):`,
);
console.table(rows);
