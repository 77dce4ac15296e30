// The correction of DESIGN.md §2 "Verify": top-K of p and s at the correction
// position plus the mass outside, built by the server from what its scorers
// reveal, and expanded by the device back into full-vocabulary estimates.

import type { Correction, TokenId } from './types.ts';
import { MathInputError } from './errors.ts';
import { knownProbability, unseenEstimate, type PartialDistribution } from './partial.ts';
import { assertLogprob } from './validate.ts';

const toLogprob = (v: number): number | null => (v > 0 ? Math.log(v) : null);
const fromLogprob = (lp: number | null): number => (lp === null ? 0 : Math.exp(lp));

/**
 * Support = target top-K ∪ reference top-K ∪ the rejected token (which both
 * scorers scored exactly). The two top-K are different id sets, so each model
 * has values it does not know on the support; each such value is the model's
 * unseenEstimate (tail spread evenly, capped by its smallest top-K value), and
 * its tail keeps only the mass left after those estimates. With K = vocabulary
 * size nothing is estimated and the tails are empty: the correction is exact.
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
  const targetEstimate = unseenEstimate(target);
  const referenceEstimate = unseenEstimate(reference);
  const targetProbs: number[] = [];
  const referenceProbs: number[] = [];
  let targetEstimated = 0;
  let referenceEstimated = 0;
  for (const id of ids) {
    const p = knownProbability(target, id);
    const s = knownProbability(reference, id);
    targetProbs.push(p ?? targetEstimate);
    referenceProbs.push(s ?? referenceEstimate);
    if (p === undefined) targetEstimated += targetEstimate;
    if (s === undefined) referenceEstimated += referenceEstimate;
  }
  const outside = target.vocabSize - ids.length;
  const targetTail = outside > 0 ? Math.max(0, target.tailMass - targetEstimated) : 0;
  const referenceTail = outside > 0 ? Math.max(0, reference.tailMass - referenceEstimated) : 0;
  return {
    ids,
    targetLogprobs: targetProbs.map(toLogprob),
    referenceLogprobs: referenceProbs.map(toLogprob),
    targetTail: toLogprob(targetTail),
    referenceTail: toLogprob(referenceTail),
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
 * The device's reading of a correction: exact (or server-estimated) values on
 * the support, and each model's tail spread evenly over the tokens outside it —
 * the same even-spread estimate the server used, so a token outside the support
 * can still be recovered when the private q favours it.
 */
export function expandCorrection(correction: Correction, vocabSize: number): ExpandedCorrection {
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
  const p = new Float64Array(vocabSize);
  const s = new Float64Array(vocabSize);
  const outside = vocabSize - ids.length;
  if (outside > 0) {
    for (const [lp, field] of [
      [targetTail, 'targetTail'],
      [referenceTail, 'referenceTail'],
    ] as const) {
      if (lp !== null) assertLogprob(lp, `correction.${field}`, 'invalid_correction');
    }
    p.fill(fromLogprob(targetTail) / outside);
    s.fill(fromLogprob(referenceTail) / outside);
  }
  const onSupport = new Uint8Array(vocabSize);
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new MathInputError(
        'invalid_correction',
        `correction.ids[${j}] must be a token id in [0, ${vocabSize}), got ${id}`,
      );
    }
    if (onSupport[id])
      throw new MathInputError('invalid_correction', `correction.ids repeats token ${id}`);
    onSupport[id] = 1;
    const lpTarget = targetLogprobs[j] ?? null;
    const lpReference = referenceLogprobs[j] ?? null;
    if (lpTarget !== null)
      assertLogprob(lpTarget, `correction.targetLogprobs[${j}]`, 'invalid_correction');
    if (lpReference !== null)
      assertLogprob(lpReference, `correction.referenceLogprobs[${j}]`, 'invalid_correction');
    p[id] = Math.min(1, fromLogprob(lpTarget));
    s[id] = Math.min(1, fromLogprob(lpReference));
  }
  return { support: ids, p, s };
}
