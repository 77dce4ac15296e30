// The correction of docs/design.md "Verify": the target's top-K at one
// position, exact, plus the mass outside and one draw from it. The server
// builds it from what its scorer reports; the device reads it back, with its
// own exact q and s, into the fusion target π over the whole vocabulary.

import type { Correction, Distribution, PositionScore, TokenId } from './types.ts';
import { MathInputError } from './errors.ts';
import { partialFromScore } from './partial.ts';
import { assertLogprob } from './validate.ts';

const toLogprob = (v: number): number | null => (v > 0 ? Math.log(v) : null);

/**
 * Server side. `score` is already at the session's temperature. The support
 * is the target's top-K, highest first (`top` of them), then `token` — the
 * draft token at this position — when it is outside them. When the scorer can
 * draw from its full distribution, the correction carries one token drawn
 * from the mass outside the support (`tailUniform` is the public verification
 * stream; null in greedy mode, which never samples).
 */
export function buildCorrection(
  score: PositionScore,
  token: TokenId | null,
  topK: number,
  vocabSize: number,
  tailUniform: (() => number) | null,
  field = 'target',
): Correction & { top: number } {
  const partial = partialFromScore(score, token, topK, vocabSize, field);
  const top = Math.min(topK, score.top.ids.length);
  const correction: Correction & { top: number } = {
    ids: partial.ids,
    logprobs: partial.probs.map(toLogprob),
    tail: toLogprob(partial.tailMass),
    top,
  };
  if (tailUniform !== null && partial.tailMass > 0 && score.sampleOutside !== undefined) {
    correction.tailSample = score.sampleOutside(new Set(partial.ids), tailUniform());
  }
  return correction;
}

/** The correction's values checked and laid out over the vocabulary. */
interface ReadCorrection {
  /** p on the support, 0 elsewhere. */
  p: Float64Array;
  /** 1 where the token is on the support. */
  onSupport: Uint8Array;
  /** 1 where a draft of this token could have been accepted (the target's top-K). */
  acceptable: Uint8Array;
  tailMass: number;
  tailSample: TokenId | null;
}

function readCorrection(
  correction: Correction & { top?: number },
  vocabSize: number,
): ReadCorrection {
  const { ids, logprobs, tail } = correction;
  if (ids.length === 0 || logprobs.length !== ids.length) {
    throw new MathInputError(
      'invalid_correction',
      `correction must have at least one id and one logprob per id (got ${ids.length} and ${logprobs.length})`,
    );
  }
  const top = correction.top ?? ids.length;
  if (!Number.isInteger(top) || top < 0 || top > ids.length) {
    throw new MathInputError(
      'invalid_correction',
      `correction.top must be an integer in [0, ${ids.length}], got ${top}`,
    );
  }
  const p = new Float64Array(vocabSize);
  const onSupport = new Uint8Array(vocabSize);
  const acceptable = new Uint8Array(vocabSize);
  ids.forEach((id, j) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new MathInputError(
        'invalid_correction',
        `correction.ids[${j}] must be a token id in [0, ${vocabSize}), got ${id}`,
      );
    }
    if (onSupport[id] === 1)
      throw new MathInputError('invalid_correction', `correction.ids repeats token ${id}`);
    const lp = logprobs[j] ?? null;
    if (lp !== null) assertLogprob(lp, `correction.logprobs[${j}]`, 'invalid_correction');
    p[id] = lp === null ? 0 : Math.min(1, Math.exp(lp));
    onSupport[id] = 1;
    if (j < top) acceptable[id] = 1;
  });
  if (tail !== null) assertLogprob(tail, 'correction.tail', 'invalid_correction');
  const unreported = vocabSize - ids.length;
  const tailMass = tail === null || unreported === 0 ? 0 : Math.min(1, Math.exp(tail));
  const sample = correction.tailSample ?? null;
  if (
    sample !== null &&
    (!Number.isInteger(sample) || sample < 0 || sample >= vocabSize || onSupport[sample] === 1)
  ) {
    throw new MathInputError(
      'invalid_correction',
      `correction.tailSample must be a token id outside correction.ids, got ${sample}`,
    );
  }
  return { p, onSupport, acceptable, tailMass, tailSample: tailMass > 0 ? sample : null };
}

/** (q/s)^α with the conventions of fusion.ts: 0/0 is neutral, q > 0 = s is infinite. */
function evidence(q: number, s: number, alpha: number): number {
  if (alpha === 0) return 1;
  const ratio = s > 0 ? q / s : q > 0 ? Infinity : 1;
  return alpha === 1 ? ratio : Math.pow(ratio, alpha);
}

/** What the device reads from a correction at one position: π over the vocabulary, and the acceptance a. */
export interface FusedCorrection {
  /** π̂ ∝ p·(q/s)^α, normalized, over the whole vocabulary. */
  pi: Float64Array;
  /**
   * a(y) = min(1, π̂(y)/q(y)) when y is among the target's top-K, 0 otherwise:
   * the probability of accepting a draft y drawn from q. Outside the top-K p
   * is unknown, so a draft there is always rejected and recovered from the
   * residual, which there is π̂ itself — linear in the tail sample, so the
   * emitted law stays exact in expectation (docs/design.md, "Truncation").
   */
  acceptance(y: TokenId): number;
}

/**
 * π̂ at one position from the correction and the device's own q and s (both
 * full, both at the session's temperature). On the support p is exact. The
 * tail (p's mass P outside the support) is where p is unknown; there
 * π(y) ∝ p(y)·w(y), w = (q/s)^α, is split as
 *
 *   p(y)·w_min  +  p(y)·(w(y) − w_min),   w_min = min of w over the tail,
 *
 * The first part is P·w_min placed on `tailSample`, an exact draw from p on
 * the tail: exact in law. The second estimates p(y) by P·s(y)/S, the small
 * model's ranking standing in for the large one's (S = s's mass on the tail).
 * So with no private evidence on the tail (w constant there, in particular
 * q = s) π̂ is exact at any K; without a tail sample the whole tail is
 * estimated. At K = vocabulary size there is no tail and π̂ = π.
 */
export function fuseCorrection(
  correction: Correction & { top?: number },
  q: Distribution,
  s: Distribution,
  alpha: number,
  /**
   * For measurement only (emitted.ts): the true p over the vocabulary. The
   * tail sample's atom is then replaced by its expectation, P·w_min·p(y)/P on
   * the tail: π̂ is linear in where the atom lands, so this is the law over draws.
   */
  expectedTail?: Distribution,
): FusedCorrection {
  const vocabSize = q.length;
  if (s.length !== vocabSize) {
    throw new MathInputError(
      'invalid_distribution',
      `q and s must have the same length, got ${vocabSize} and ${s.length}`,
    );
  }
  const { p, onSupport, acceptable, tailMass, tailSample } = readCorrection(correction, vocabSize);
  const weights = new Float64Array(vocabSize);
  let sTail = 0;
  let tailCount = 0;
  let wMin = Infinity;
  if (tailMass > 0) {
    for (let y = 0; y < vocabSize; y++) {
      if (onSupport[y] === 1) continue;
      sTail += s[y]!;
      tailCount++;
      wMin = Math.min(wMin, evidence(q[y]!, s[y]!, alpha));
    }
  }
  const sampled = tailSample !== null || (expectedTail !== undefined && tailMass > 0);
  const exactTail = sampled && Number.isFinite(wMin) ? wMin : 0;
  let infinite = false;
  let total = 0;
  for (let y = 0; y < vocabSize; y++) {
    let weight: number;
    if (onSupport[y] === 1) {
      weight = p[y]! === 0 ? 0 : p[y]! * evidence(q[y]!, s[y]!, alpha);
    } else if (tailMass > 0) {
      // p̂(y)·(w(y) − w_min), with p̂ = P·s/S (an even split when s has no tail mass).
      const share = sTail > 0 ? s[y]! / sTail : 1 / tailCount;
      const w = evidence(q[y]!, s[y]!, alpha);
      weight = share === 0 ? 0 : tailMass * share * (w - exactTail);
    } else {
      weight = 0;
    }
    if (weight === Infinity) infinite = true;
    weights[y] = weight;
    total += weight;
  }
  if (expectedTail !== undefined && exactTail > 0) {
    for (let y = 0; y < vocabSize; y++) {
      if (onSupport[y] === 1) continue;
      weights[y] = weights[y]! + expectedTail[y]! * exactTail;
    }
    total += tailMass * exactTail;
  } else if (tailSample !== null) {
    weights[tailSample] = weights[tailSample]! + tailMass * exactTail;
    total += tailMass * exactTail;
  }
  if (infinite) {
    // s = 0 < q on the support: the limit as those s shrink together (fusion.ts).
    total = 0;
    for (let y = 0; y < vocabSize; y++) {
      const weight = weights[y] === Infinity ? p[y]! * Math.pow(q[y]!, alpha) : 0;
      weights[y] = weight;
      total += weight;
    }
  }
  if (!(total > 0)) {
    // q rules out everything p allows: the cloud alone (fusion.ts), p̂ = p on the support, P·s/S outside.
    total = 0;
    for (let y = 0; y < vocabSize; y++) {
      const weight =
        onSupport[y] === 1 ? p[y]! : tailMass * (sTail > 0 ? s[y]! / sTail : 1 / tailCount);
      weights[y] = weight;
      total += weight;
    }
  }
  for (let y = 0; y < vocabSize; y++) weights[y] = weights[y]! / total;
  return {
    pi: weights,
    acceptance: (y) => {
      if (acceptable[y] !== 1) return 0;
      const qy = q[y]!;
      return qy > 0 ? Math.min(1, weights[y]! / qy) : 1;
    },
  };
}
