// A scorer that holds a model's whole next-token distribution (llama.cpp,
// probability tables) reports one position through this: tempered over the
// full distribution (exact), its top-K, the following token's value, and the
// ability to draw from the mass outside any set of tokens (the correction's
// tail sample, math/correction.ts).

import type { PositionScore, ScoreOptions, TokenId } from '../engine.ts';
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
    // Inverts the CDF of the law restricted to the tokens outside `excluded`, in place: no copy
    // of the vocabulary (150k entries for Qwen) per correction.
    sampleOutside: (excluded, u) => {
      if (!(u >= 0 && u < 1)) throw new RangeError(`uniform must be in [0, 1), got ${u}`);
      let total = 0;
      for (let y = 0; y < law.length; y++) total += law[y]!;
      for (const y of excluded) if (y >= 0 && y < law.length) total -= law[y]!;
      if (!(total > 0)) return null;
      const target = u * total;
      let cumulative = 0;
      let last: TokenId | null = null;
      for (let y = 0; y < law.length; y++) {
        const v = law[y]!;
        if (v <= 0 || excluded.has(y)) continue;
        cumulative += v;
        last = y;
        if (target < cumulative) return y;
      }
      // Rounding left the target past the last weight: that token.
      return last;
    },
  };
}
