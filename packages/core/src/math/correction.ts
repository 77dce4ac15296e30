// The correction of docs/design.md §2 "Verify": top-K of p and s at the correction
// position plus the mass outside, built by the server from what its scorers
// report, and read back by the device into full-vocabulary estimates.

import type { Correction, Distribution, TokenId } from './types.ts';
import { MathInputError } from './errors.ts';
import type { PartialDistribution } from './partial.ts';
import { assertLogprob } from './validate.ts';

const toLogprob = (v: number): number | null => (v > 0 ? Math.log(v) : null);

/**
 * Support = target's reported ids ∪ reference's reported ids (each model's
 * top-K plus the rejected token, which both score exactly). The two top-K are
 * different id sets: where a model did not report an id its value is null
 * ("inside that model's tail", as in @specsteer/protocol), and each tail is
 * the model's mass outside its own reported ids. The server estimates nothing;
 * the device does (expandCorrection), because only it has q to estimate with.
 */
export function buildCorrection(
  target: PartialDistribution,
  reference: PartialDistribution,
): Correction {
  if (target.vocabSize !== reference.vocabSize) {
    throw new MathInputError(
      'invalid_scores',
      'target and reference disagree on the vocabulary size',
    );
  }
  const ids: TokenId[] = [];
  const seen = new Set<TokenId>();
  for (const id of [...target.ids, ...reference.ids]) {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  const valueOn = (d: PartialDistribution) => {
    const known = new Map(d.ids.map((id, j) => [id, d.probs[j]!]));
    return (id: TokenId) => toLogprob(known.get(id) ?? 0);
  };
  return {
    ids,
    targetLogprobs: ids.map(valueOn(target)),
    referenceLogprobs: ids.map(valueOn(reference)),
    targetTail: toLogprob(target.tailMass),
    referenceTail: toLogprob(reference.tailMass),
  };
}

/** p̂ and ŝ over the whole vocabulary, as the device sees them. */
export interface ExpandedCorrection {
  /** The correction's ids, in its order. */
  support: TokenId[];
  p: Float64Array;
  s: Float64Array;
}

/**
 * The device's reading of a correction. Reported values are used as they are.
 * Each model's tail is shared among the tokens it did not report:
 * - the reference's tail in proportion to q: where the cloud says nothing about
 *   s(y), assume the private context scaled every such token alike (the ratio
 *   q/ŝ is then the same across them; exact when q = s);
 * - the target's tail in proportion to ŝ: the small model's ranking stands in
 *   for the large model's among the tokens the large one did not report.
 * Either falls back to an even split when its weights give the unreported
 * tokens (next to) nothing, and no
 * estimate exceeds the model's smallest top-K value (a token outside the top-K
 * cannot be more likely than one inside it; mass cut by this cap is dropped,
 * π is normalized anyway). At K = vocabulary size nothing is estimated: exact.
 */
export function expandCorrection(
  correction: Correction,
  q: Distribution,
  rejectedToken: TokenId | null,
): ExpandedCorrection {
  const vocabSize = q.length;
  const { ids, targetLogprobs, referenceLogprobs, targetTail, referenceTail } = correction;
  if (
    ids.length === 0 ||
    targetLogprobs.length !== ids.length ||
    referenceLogprobs.length !== ids.length
  ) {
    throw new MathInputError(
      'invalid_correction',
      `correction must have at least one id and one target and reference logprob per id (got ${ids.length}, ${targetLogprobs.length}, ${referenceLogprobs.length})`,
    );
  }
  const seen = new Set<TokenId>();
  ids.forEach((id, j) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new MathInputError(
        'invalid_correction',
        `correction.ids[${j}] must be a token id in [0, ${vocabSize}), got ${id}`,
      );
    }
    if (seen.has(id))
      throw new MathInputError('invalid_correction', `correction.ids repeats token ${id}`);
    seen.add(id);
  });
  const s = readModel(
    ids,
    referenceLogprobs,
    referenceTail,
    'reference',
    vocabSize,
    rejectedToken,
    q,
  );
  const p = readModel(ids, targetLogprobs, targetTail, 'target', vocabSize, rejectedToken, s);
  return { support: ids, p, s };
}

/**
 * Below this share of the weights, the unreported tokens count as weightless
 * (the share is a difference of two sums, so rounding leaves ~1e-16 of noise).
 */
const NEGLIGIBLE_SHARE = 1e-12;

/**
 * One model's values over the vocabulary: its tail shared among the tokens it
 * did not report in proportion to `weights`, then its reported entries. Two
 * branch-free passes over the vocabulary: the device runs this on every recovery.
 */
function readModel(
  ids: TokenId[],
  logprobs: (number | null)[],
  tail: number | null,
  name: 'target' | 'reference',
  vocabSize: number,
  rejectedToken: TokenId | null,
  weights: Float64Array,
): Float64Array {
  const reportedIds: TokenId[] = [];
  const reportedValues: number[] = [];
  let reportedWeight = 0;
  let smallestTop = Infinity;
  ids.forEach((id, j) => {
    const lp = logprobs[j] ?? null;
    // Both scorers always score the rejected token, so null there can only mean exactly 0.
    if (lp === null && id !== rejectedToken) return;
    if (lp !== null) assertLogprob(lp, `correction.${name}Logprobs[${j}]`, 'invalid_correction');
    const v = lp === null ? 0 : Math.min(1, Math.exp(lp));
    reportedIds.push(id);
    reportedValues.push(v);
    reportedWeight += weights[id]!;
    // The rejected token is reported because it was drafted, not because it is in the top-K.
    if (id !== rejectedToken) smallestTop = Math.min(smallestTop, v);
  });
  if (tail !== null) assertLogprob(tail, `correction.${name}Tail`, 'invalid_correction');
  const tailMass = tail === null ? 0 : Math.min(1, Math.exp(tail));

  const values = new Float64Array(vocabSize);
  const unreported = vocabSize - reportedIds.length;
  if (tailMass > 0 && unreported > 0) {
    let weightTotal = 0;
    for (let y = 0; y < vocabSize; y++) weightTotal += weights[y]!;
    const unreportedWeight = weightTotal - reportedWeight;
    if (unreportedWeight > NEGLIGIBLE_SHARE * weightTotal) {
      const scale = tailMass / unreportedWeight;
      for (let y = 0; y < vocabSize; y++) values[y] = Math.min(weights[y]! * scale, smallestTop);
    } else {
      values.fill(Math.min(tailMass / unreported, smallestTop));
    }
  }
  reportedIds.forEach((id, j) => {
    values[id] = reportedValues[j]!;
  });
  return values;
}
