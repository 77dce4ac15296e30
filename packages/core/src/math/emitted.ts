// The law the device emits at one position, computed exactly rather than
// sampled: the law of the whole protocol — top-K truncation, the tail
// estimate, the tail sample and the device's acceptance test included — that
// fidelity is measured on (docs/design.md, "Truncation").

import { fuseCorrection } from './correction.ts';
import { topIndices } from './position-score.ts';
import { residual } from './recover.ts';
import type { Correction, Distribution, TokenId } from './types.ts';
import { assertSameLength } from './validate.ts';

export interface ProtocolLawInput {
  /** The target's full distribution at the session's temperature (what the server holds). */
  p: Distribution;
  /** q and s at the session's temperature (the device's). */
  q: Distribution;
  s: Distribution;
  alpha: number;
  topK: number;
  /** Whether corrections carry a tail sample (backends with full distributions). */
  tailSample: boolean;
}

function correctionFrom(
  p: Distribution,
  top: readonly TokenId[],
  extra: TokenId | null,
): Correction & { top: number } {
  const ids = extra === null ? [...top] : [...top, extra];
  let known = 0;
  for (const id of ids) known += p[id]!;
  const tail = Math.max(0, 1 - known);
  return {
    ids,
    logprobs: ids.map((id) => (p[id]! > 0 ? Math.log(p[id]!) : null)),
    tail: tail > 0 && ids.length < p.length ? Math.log(tail) : null,
    top: top.length,
  };
}

/**
 * The law of the token the protocol emits at one draft position (sampled
 * mode): y ~ q is drafted; the device accepts it with a(y) = min(1, π̂/q)
 * inside p's top-K (0 outside); on rejection it samples the residual from the
 * correction that carries top-K ∪ {y}. Also returns the bonus law (π̂ from the
 * top-K correction). Both are exact expectations over every random draw, the
 * server's tail sample included (π̂ is linear in where it lands); TV(law, π)
 * is the protocol's whole error.
 */
export function protocolLaw(input: ProtocolLawInput): {
  emitted: Float64Array;
  bonus: Float64Array;
} {
  return protocolLawFast(input) ?? protocolLawReference(input);
}

/**
 * protocolLaw by direct evaluation: one correction, π̂ and residual per
 * possible draft outside the top-K — O(V²). The reference the fast path is
 * tested against, and its fallback for zeros in q or s.
 */
export function protocolLawReference(input: ProtocolLawInput): {
  emitted: Float64Array;
  bonus: Float64Array;
} {
  const { p, q, s, alpha, topK } = input;
  assertSameLength(p, q, 'p and q');
  assertSameLength(p, s, 'p and s');
  const n = p.length;
  const top = topIndices(p, topK);
  const inTop = new Uint8Array(n);
  for (const id of top) inTop[id] = 1;
  const expected = input.tailSample ? p : undefined;
  const fused = (extra: TokenId | null) =>
    fuseCorrection(correctionFrom(p, top, extra), q, s, alpha, expected);
  const topView = fused(null);
  const emitted = new Float64Array(n);
  const addResidual = (weight: number, view: ReturnType<typeof fused>) => {
    if (weight <= 0) return;
    const law = residual(view.pi, q, view.acceptance);
    for (let y = 0; y < n; y++) emitted[y] = emitted[y]! + weight * law[y]!;
  };
  // Drafts inside the top-K share one correction (the top-K); each other draft brings its own.
  let rejectInTop = 0;
  for (let x = 0; x < n; x++) {
    const qx = q[x]!;
    // Drafts this unlikely move the law by less than 1e-10 in all; skipping them keeps the V² work small.
    if (qx < 1e-13) continue;
    if (inTop[x] === 1) {
      const a = topView.acceptance(x);
      emitted[x] = emitted[x]! + qx * a;
      rejectInTop += qx * (1 - a);
    } else {
      addResidual(qx, fused(x));
    }
  }
  addResidual(rejectInTop, topView);
  return { emitted, bonus: topView.pi };
}

/** TV(a, b) = ½ Σ |a − b|. */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b, 'a and b');
  let sum = 0;
  for (let y = 0; y < a.length; y++) sum += Math.abs(a[y]! - b[y]!);
  return sum / 2;
}

/**
 * protocolLaw in O(V·K): a draft x outside the top-K changes its correction
 * only by moving x from the tail to the support, so its π̂ and residual follow
 * from running sums over the tail (the estimate ∝ s, the excess evidence
 * s·w, the tail-sample expectation ∝ p) updated for x. Returns null where the
 * sums do not apply (a zero in q or s, an infinite ratio, an empty tail): the
 * caller then uses the direct evaluation.
 */
function protocolLawFast(
  input: ProtocolLawInput,
): { emitted: Float64Array; bonus: Float64Array } | null {
  const { p, q, s, alpha, topK } = input;
  assertSameLength(p, q, 'p and q');
  assertSameLength(p, s, 'p and s');
  const n = p.length;
  const top = topIndices(p, topK);
  if (top.length >= n - 1) return null;
  const inTop = new Uint8Array(n);
  for (const id of top) inTop[id] = 1;
  const w = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    if (!(q[y]! > 0) || !(s[y]! > 0)) return null;
    w[y] = alpha === 0 ? 1 : alpha === 1 ? q[y]! / s[y]! : Math.pow(q[y]! / s[y]!, alpha);
    if (!Number.isFinite(w[y]!)) return null;
  }
  // Sums over the tail S (everything outside the top-K), as the top-only correction has it.
  let pTop = 0;
  let aTop = 0;
  for (const y of top) {
    pTop += p[y]!;
    aTop += p[y]! * w[y]!;
  }
  let s0 = 0;
  let sw0 = 0;
  let min1 = Infinity;
  let min2 = Infinity;
  let argMin1 = -1;
  for (let y = 0; y < n; y++) {
    if (inTop[y] === 1) continue;
    s0 += s[y]!;
    sw0 += s[y]! * w[y]!;
    if (w[y]! < min1) {
      min2 = min1;
      min1 = w[y]!;
      argMin1 = y;
    } else if (w[y]! < min2) min2 = w[y]!;
  }
  // The correction's tail is 1 − (what it reports), as correctionFrom computes it.
  const tailOf = (known: number) => Math.max(0, 1 - known);
  const sampled = input.tailSample;

  /** π̂ on the support and the tail coefficients for the correction top ∪ {x} (x = -1: top only). */
  const view = (x: number) => {
    const px = x < 0 ? 0 : p[x]!;
    const tailP = tailOf(pTop + px);
    const tailS = s0 - (x < 0 ? 0 : s[x]!);
    if (!(tailS > 0)) return null;
    const e = sampled ? (x === argMin1 ? min2 : min1) : 0;
    const ratio = tailP / tailS;
    const total = aTop + (x < 0 ? 0 : px * w[x]!) + ratio * (sw0 - (x < 0 ? 0 : s[x]! * w[x]!));
    if (!(total > 0)) return null;
    // π̂(y) on the tail = (ratio·s(y)·(w(y) − e) + e·p(y)) / total.
    return { total, ratio, e, px };
  };

  const emitted = new Float64Array(n);
  const bonusView = view(-1);
  if (bonusView === null) return null;
  const bonus = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    bonus[y] =
      inTop[y] === 1
        ? (p[y]! * w[y]!) / bonusView.total
        : (bonusView.ratio * s[y]! * (w[y]! - bonusView.e) + bonusView.e * p[y]!) / bonusView.total;
  }
  // Tail coefficients accumulated over every draft: Σ weight·(c1·s·w + c2·s + c3·p).
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  /** Adds `weight` × the residual law of a view (x = -1: the top-only correction). */
  const addResidual = (weight: number, x: number, v: NonNullable<ReturnType<typeof view>>) => {
    let topResidual = 0;
    let topPi = 0;
    for (const y of top) {
      const pi = (p[y]! * w[y]!) / v.total;
      topPi += pi;
      topResidual += Math.max(0, pi - q[y]!);
    }
    const rest = 1 - topPi; // π̂ outside the top-K: the draft x (if any) and the tail
    const mass = topResidual + rest;
    const empty = !(mass > 1e-12);
    // An empty residual (rounding only) falls back to π̂ itself, as recovery does.
    const norm = empty ? 1 : mass;
    for (const y of top) {
      const pi = (p[y]! * w[y]!) / v.total;
      emitted[y] = emitted[y]! + (weight * (empty ? pi : Math.max(0, pi - q[y]!))) / norm;
    }
    const d = v.total * norm;
    c1 += (weight * v.ratio) / d;
    c2 += (-weight * v.ratio * v.e) / d;
    c3 += (weight * v.e) / d;
    if (x >= 0) {
      // x sits on the support with its exact value, not in the tail sums added above.
      const asTail = v.ratio * s[x]! * (w[x]! - v.e) + v.e * p[x]!;
      emitted[x] = emitted[x]! + (weight * (v.px * w[x]! - asTail)) / d;
    }
  };

  let rejectInTop = 0;
  for (const x of top) {
    const a = Math.min(1, bonus[x]! / q[x]!);
    emitted[x] = emitted[x]! + q[x]! * a;
    rejectInTop += q[x]! * (1 - a);
  }
  if (rejectInTop > 0) addResidual(rejectInTop, -1, bonusView);
  for (let x = 0; x < n; x++) {
    if (inTop[x] === 1 || q[x]! < 1e-13) continue;
    const v = view(x);
    if (v === null) return null;
    addResidual(q[x]!, x, v);
  }
  for (let y = 0; y < n; y++) {
    if (inTop[y] === 1) continue;
    emitted[y] = emitted[y]! + c1 * s[y]! * w[y]! + c2 * s[y]! + c3 * p[y]!;
  }
  return { emitted, bonus };
}
