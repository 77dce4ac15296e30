// A scorer that holds a model's whole next-token distribution (llama.cpp,
// probability tables) reports one position through this: tempered over the
// full distribution (exact), its top-K, the following token's value, and the
// ability to draw from the mass outside any set of tokens (the correction's
// tail sample, math/correction.ts).

import type { PositionScore, ScoreOptions, TokenId } from '../engine.ts';
import { sampleCategorical } from './categorical.ts';
import { temperDistribution } from './temperature.ts';

/** Indices of the `k` largest entries, highest first (ties by lower id). */
export function topIndices(probs: ArrayLike<number>, k: number): number[] {
  const count = Math.max(0, Math.min(k, probs.length));
  if (count === 0) return [];
  // A partial selection: keep the best `count` in a small sorted list (K ≪ V).
  const best: number[] = [];
  const better = (a: number, b: number) =>
    probs[a]! > probs[b]! || (probs[a] === probs[b] && a < b);
  for (let id = 0; id < probs.length; id++) {
    if (best.length === count && !better(id, best[count - 1]!)) continue;
    let at = best.length === count ? count - 1 : best.length;
    if (best.length < count) best.push(id);
    while (at > 0 && better(id, best[at - 1]!)) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = id;
  }
  return best;
}

/**
 * One position of a full distribution as a PositionScore at the session's
 * temperature (0 and 1: untempered). `next` is the token that follows in the
 * scored sequence (undefined at the last position).
 */
export function scoreFromDistribution(
  probs: ArrayLike<number>,
  next: TokenId | undefined,
  options: ScoreOptions,
): PositionScore {
  const { temperature, topK } = options;
  const law =
    temperature === 0 || temperature === 1 ? probs : temperDistribution(probs, temperature);
  const ids = topIndices(law, topK);
  const log = (p: number) => (p > 0 ? Math.log(p) : -Infinity);
  return {
    top: { ids, logprobs: ids.map((id) => log(law[id]!)) },
    tokenLogprob: next === undefined ? null : log(law[next]!),
    sampleOutside: (excluded, u) => {
      const weights = new Float64Array(law.length);
      let total = 0;
      for (let y = 0; y < law.length; y++) {
        if (excluded.has(y)) continue;
        weights[y] = law[y]!;
        total += law[y]!;
      }
      return total > 0 ? sampleCategorical(weights, u) : null;
    },
  };
}
