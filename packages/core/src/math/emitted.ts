// The law the device emits at one position, computed exactly rather than
// sampled: the law of the whole protocol — top-K truncation, the tail
// estimate, the tail sample and the device's acceptance test included — that
// fidelity is measured on (docs/design.md, "Truncation").

import { fuseCorrection } from './correction.ts';
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

function topIds(p: Distribution, k: number): TokenId[] {
  const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
  return order.slice(0, Math.min(k, p.length));
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
  const { p, q, s, alpha, topK } = input;
  assertSameLength(p, q, 'p and q');
  assertSameLength(p, s, 'p and s');
  const n = p.length;
  const top = topIds(p, topK);
  const inTop = new Uint8Array(n);
  for (const id of top) inTop[id] = 1;
  const expected = input.tailSample ? p : undefined;
  const fused = (extra: TokenId | null) =>
    fuseCorrection(correctionFrom(p, top, extra), q, s, alpha, expected);
  const topView = fused(null);
  const emitted = new Float64Array(n);
  const addResidual = (weight: number, view: ReturnType<typeof fused>) => {
    if (weight <= 0) return;
    const r = new Float64Array(n);
    let total = 0;
    for (let y = 0; y < n; y++) {
      const v = view.pi[y]! - q[y]! * view.acceptance(y);
      if (v > 0) {
        r[y] = v;
        total += v;
      }
    }
    const law = total > 1e-12 ? r : view.pi;
    const norm = total > 1e-12 ? total : 1;
    for (let y = 0; y < n; y++) emitted[y] = emitted[y]! + (weight * law[y]!) / norm;
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
