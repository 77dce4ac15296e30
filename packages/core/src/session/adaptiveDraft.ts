// Adaptive draft length: choose k for the next round from what the session has
// measured so far — how often the cloud accepts a draft token, how long a
// round trip takes, what a drafted token and a verification cost — so that a
// slow network gets long drafts and a fast one short drafts.
//
// Model (the i.i.d. acceptance of speculative decoding, Leviathan et al. 2023):
// each draft token is accepted with probability a until the first rejection,
// so a round with k draft tokens commits E(k) = (1 − a^(k+1)) / (1 − a) tokens
// (the accepted prefix plus the one recovered or bonus token), and costs
// T(k) = k·draft + fixed + rtt + verify. The policy picks k ∈ [1, kMax]
// maximizing E(k) / T(k).

/** One finished round, as the session measured it. */
export interface RoundObservation {
  /** Draft tokens sent. */
  drafted: number;
  /** How many of them the device kept (the agreeing prefix). */
  accepted: number;
  /** Device time spent drafting this round's block (0 when it was drafted ahead, pipelined). */
  draftMs: number;
  /** Device time after the verdict: acceptance test and recovery. */
  recoverMs: number;
  /** Wall time from sending the draft to holding the verdict. */
  exchangeMs: number;
  /** The server's own scoring time from the verdict (undefined when it sent none). */
  serverMs?: number;
}

/** What a draft-length policy sees before each round. */
export interface DraftLengthState {
  round: number;
  /** The most the session may draft (the caller's k, capped by the server's limit). */
  maxDraftTokens: number;
  /** Wall time of the connection set-up exchange (hello + open): a first round-trip estimate. */
  handshakeMs: number | null;
  rounds: readonly RoundObservation[];
}

/** Returns the draft length of the next round; the session clamps it to [1, maxDraftTokens]. */
export type DraftLengthPolicy = (state: DraftLengthState) => number;

export interface AdaptiveDraftOptions {
  /** Weight of older rounds in the running estimates (1 = plain averages; default 0.8). */
  decay?: number;
  /** Acceptance assumed before any round, as a pseudo-count of `priorRounds` rounds (default 0.7). */
  priorAcceptance?: number;
  priorRounds?: number;
  /** k of the first round, before anything is measured (default: the maximum). */
  initial?: number;
}

/** E(k) = expected tokens committed by a round of k draft tokens at per-token acceptance a. */
export function expectedCommitted(k: number, a: number): number {
  if (a >= 1) return k + 1;
  return (1 - a ** (k + 1)) / (1 - a);
}

/** The k ∈ [1, kMax] with the most expected tokens per ms under the cost model above. */
export function bestDraftLength(costs: {
  acceptance: number;
  kMax: number;
  draftMsPerToken: number;
  /** Per-round cost that does not grow with k: network, verification, recovery. */
  fixedMs: number;
}): number {
  let best = 1;
  let bestRate = -Infinity;
  for (let k = 1; k <= costs.kMax; k++) {
    const ms = k * costs.draftMsPerToken + costs.fixedMs;
    const rate = expectedCommitted(k, costs.acceptance) / Math.max(ms, 1e-6);
    if (rate > bestRate + 1e-12) {
      best = k;
      bestRate = rate;
    }
  }
  return best;
}

/**
 * A policy from running, exponentially weighted estimates: the acceptance a
 * (accepted tokens over accepted tokens plus rejections, the maximum
 * likelihood of the truncated-geometric model), the drafting cost per token,
 * and the per-round wait (exchange wall time, which holds the round trip and
 * the server's scoring) plus recovery.
 */
export function adaptiveDraftLength(options: AdaptiveDraftOptions = {}): DraftLengthPolicy {
  const decay = options.decay ?? 0.8;
  const priorAcceptance = options.priorAcceptance ?? 0.7;
  const priorRounds = options.priorRounds ?? 2;
  if (!(decay > 0 && decay <= 1) || !(priorAcceptance >= 0 && priorAcceptance < 1)) {
    throw new RangeError(
      `adaptive draft: decay must be in (0, 1] and priorAcceptance in [0, 1) (got ${decay}, ${priorAcceptance})`,
    );
  }
  return (state) => {
    const { rounds, maxDraftTokens } = state;
    if (rounds.length === 0) {
      // Nothing measured but the set-up exchange: start long unless told otherwise.
      return options.initial ?? maxDraftTokens;
    }
    // Pseudo-counts of the prior: priorRounds rounds of a typical draft at priorAcceptance.
    let accepted = priorRounds * 4 * priorAcceptance;
    let rejected = priorRounds * (1 - priorAcceptance) * (4 * priorAcceptance + 1);
    let drafted = 0;
    let draftMs = 0;
    let waitMs = 0;
    let weight = 0;
    for (const round of rounds) {
      accepted = accepted * decay + round.accepted;
      rejected = rejected * decay + (round.accepted < round.drafted ? 1 : 0);
      // A pipelined block cost no visible drafting time: it does not inform the per-token cost.
      if (round.draftMs > 0 && round.drafted > 0) {
        drafted = drafted * decay + round.drafted;
        draftMs = draftMs * decay + round.draftMs;
      } else {
        drafted *= decay;
        draftMs *= decay;
      }
      waitMs = waitMs * decay + round.exchangeMs + round.recoverMs;
      weight = weight * decay + 1;
    }
    const acceptance = Math.min(accepted / Math.max(accepted + rejected, 1e-9), 0.999);
    return bestDraftLength({
      acceptance,
      kMax: maxDraftTokens,
      draftMsPerToken: drafted > 0 ? draftMs / drafted : 0,
      fixedMs: waitMs / weight,
    });
  };
}
