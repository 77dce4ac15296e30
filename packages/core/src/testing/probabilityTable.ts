// Explicit next-token tables: a function from a token context to a full
// distribution. Tests drive the real loop with them so q, s and p are known.

import type { Distribution, TokenId } from '../engine.ts';

/** Full next-token distribution after `context` (all tokens before the position). */
export type ProbabilityTable = (context: readonly TokenId[]) => Distribution;

export class ProbabilityTableError extends Error {
  readonly code = 'invalid_probability_table' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ProbabilityTableError';
  }
}

/** Look up and check a table entry, so a broken table fails loudly instead of skewing a test. */
export function lookUp(
  table: ProbabilityTable,
  context: readonly TokenId[],
  vocabSize: number,
): Distribution {
  const probs = table(context);
  if (probs.length !== vocabSize) {
    throw new ProbabilityTableError(
      `table returned ${probs.length} probabilities after a context of ${context.length} tokens; expected ${vocabSize}`,
    );
  }
  let total = 0;
  for (const p of probs) {
    if (!(p >= 0) || !Number.isFinite(p)) {
      throw new ProbabilityTableError(`table returned a probability ${p}; expected finite and ≥ 0`);
    }
    total += p;
  }
  if (Math.abs(total - 1) > 1e-9) {
    throw new ProbabilityTableError(`table probabilities sum to ${total}; expected 1`);
  }
  return probs;
}

/** 32-bit integer hash (lowbias32), used to derive per-context seeds. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export interface RandomNgramTableOptions {
  vocabSize: number;
  seed: number;
  /** How many trailing context tokens the distribution depends on (default 2). */
  order?: number;
  /**
   * p(y) ∝ u_y^sharpness with u uniform in (0, 1]: 1 is flat-ish, larger values
   * concentrate the mass on few tokens like a trained model (default 3).
   */
  sharpness?: number;
  /** Tokens whose probability is multiplied by `boost` everywhere (e.g. to make a stop token likely). */
  boost?: { tokens: readonly TokenId[]; factor: number };
}

/**
 * A deterministic random n-gram table: the distribution after a context depends
 * only on (seed, last `order` tokens), every entry is > 0, and the same options
 * always give the same table (memoized).
 */
export function randomNgramTable(options: RandomNgramTableOptions): ProbabilityTable {
  const { vocabSize, seed } = options;
  const order = options.order ?? 2;
  const sharpness = options.sharpness ?? 3;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new ProbabilityTableError(`vocabSize is ${vocabSize}; expected an integer ≥ 1`);
  }
  const memo = new Map<string, Distribution>();
  return (context) => {
    const key = context.slice(Math.max(0, context.length - order)).join(',');
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let state = mix32(seed ^ 0x9e3779b9);
    for (const token of context.slice(Math.max(0, context.length - order))) {
      state = mix32(state ^ mix32(token + 0x632be5ab));
    }
    const probs = new Float64Array(vocabSize);
    let total = 0;
    for (let y = 0; y < vocabSize; y++) {
      state = mix32(state + 0x6d2b79f5);
      const u = (state + 1) / 4294967296; // (0, 1]
      let weight = u ** sharpness;
      if (options.boost?.tokens.includes(y)) weight *= options.boost.factor;
      probs[y] = weight;
      total += weight;
    }
    for (let y = 0; y < vocabSize; y++) probs[y]! /= total;
    memo.set(key, probs);
    return probs;
  };
}

/** (1 − w)·a + w·b pointwise: a target that agrees with the reference except for a known shift. */
export function mixTables(a: ProbabilityTable, b: ProbabilityTable, w: number): ProbabilityTable {
  return (context) => {
    const pa = a(context);
    const pb = b(context);
    const out = new Float64Array(pa.length);
    for (let y = 0; y < pa.length; y++) out[y] = (1 - w) * pa[y]! + w * pb[y]!;
    return out;
  };
}
