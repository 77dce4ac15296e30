// Test support: cloud scores and whole autoregressive "models" as explicit
// probability tables, so the proofs can enumerate every outcome exactly.

import type { PositionScore, TokenId } from '../types.ts';
import { rngStream, type Rng } from '../../rng.ts';
import { sampleCategorical } from '../categorical.ts';
import { temperDistribution } from '../temperature.ts';

/** A model as a table: the next-token distribution after any context. */
export type TableModel = (context: readonly TokenId[]) => Float64Array;

/**
 * The PositionScore a scorer would return for `dist`: its `topK` most likely
 * ids (highest first, lower id on ties) and the exact log-probability of
 * `next`, the token that follows (null at the last position).
 */
export function scoreOf(
  dist: ArrayLike<number>,
  next: TokenId | null,
  topK: number = dist.length,
): PositionScore {
  const ids = rankedIds(dist).slice(0, topK);
  return {
    top: { ids, logprobs: ids.map((id) => Math.log(dist[id]!)) },
    tokenLogprob: next === null ? null : Math.log(dist[next]!),
    sampleOutside: (excluded, u) => {
      const weights = Array.from(dist, (v, id) => (excluded.has(id) ? 0 : v));
      return weights.some((w) => w > 0) ? sampleCategorical(weights, u) : null;
    },
  };
}

/** Ids by decreasing probability, sorted once per table (enumerations score the same table many times). */
const ranking = new WeakMap<object, TokenId[]>();
function rankedIds(dist: ArrayLike<number>): TokenId[] {
  let order = ranking.get(dist);
  if (!order) {
    order = Array.from({ length: dist.length }, (_, id) => id).sort(
      (a, b) => dist[b]! - dist[a]! || a - b,
    );
    ranking.set(dist, order);
  }
  return order;
}

/** `model` at temperature T (0 and 1: as it is), as a scorer reports it. */
export function tempered(model: TableModel, temperature: number): TableModel {
  if (temperature === 0 || temperature === 1) return model;
  const cache = new Map<string, Float64Array>();
  return (context) => {
    const key = context.join(',');
    let law = cache.get(key);
    if (law === undefined) {
      law = temperDistribution(model(context), temperature);
      cache.set(key, law);
    }
    return law;
  };
}

/** k+1 PositionScores of `model` over the public context followed by `draft`. */
export function scoreDraft(
  model: TableModel,
  context: readonly TokenId[],
  draft: readonly TokenId[],
  topK?: number,
): PositionScore[] {
  return Array.from({ length: draft.length + 1 }, (_, i) =>
    scoreOf(model([...context, ...draft.slice(0, i)]), i < draft.length ? draft[i]! : null, topK),
  );
}

/**
 * A random distribution over `vocabSize` tokens: exponential weights plus
 * `floor` (a floor keeps every cell large enough for a chi-square test), with
 * `zeros` of its entries set to exactly 0.
 */
export function randomDistribution(
  rng: Rng,
  vocabSize: number,
  options: { floor?: number; zeros?: number } = {},
): Float64Array {
  const { floor = 0, zeros = 0 } = options;
  const weights = new Float64Array(vocabSize);
  for (let y = 0; y < vocabSize; y++) weights[y] = floor - Math.log(1 - rng.uniform());
  for (let z = 0; z < zeros; z++) weights[(z * 7 + 3) % vocabSize] = 0;
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * An autoregressive table model whose distribution after each context is
 * random but fixed by (seed, context), independent of the order of lookups.
 */
export function randomTableModel(
  seed: number,
  vocabSize: number,
  options: { floor?: number; zeros?: number } = {},
): TableModel {
  const cache = new Map<string, Float64Array>();
  return (context) => {
    const key = context.join(',');
    let dist = cache.get(key);
    if (!dist) {
      dist = randomDistribution(rngStream(seed, fnv1a(key), 'table'), vocabSize, options);
      cache.set(key, dist);
    }
    return dist;
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
