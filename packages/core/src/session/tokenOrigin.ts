// Where each committed token came from, for the CLI and the UI to mark.
//
// - `accepted`:  a draft token of the device that passed the cloud's ratio test.
// - `corrected`: a token recovered from the cloud's correction (after a
//                rejection, or the bonus token after a fully accepted draft)
//                that the same recovery also gives with α = 0, i.e. with the
//                fusion target π replaced by the cloud's own p: same correction,
//                same q in the residual, same uniform u of the round's
//                'recover' stream, same greedy tie rule.
// - `steered`:   a recovered token that differs from that counterfactual: the
//                private evidence (q/s)^α in π moved this token. With no private
//                shift (q = s, so π = p) or with α = 0 no token is `steered`; in
//                greedy mode a token is `steered` exactly when argmax π ≠ argmax p
//                (both read from the same correction with the device's q and s).
//                With no private context the drafter's s is q itself, so
//                q/s = 1 exactly and nothing is ever `steered`.
// Baselines use `local` (local-only: drawn from q), `cloud` (cloud-only: drawn
// from p) and `exact` (π decoded from full distributions).

import type { Distribution, TokenId } from '../engine.ts';
import { greedyToken, recoverToken, type RoundPosition } from '../math/recover.ts';
import type { Correction, SamplingParams } from '../math/types.ts';

export type TokenOrigin = 'accepted' | 'corrected' | 'steered' | 'local' | 'cloud' | 'exact';

export interface CommittedToken {
  token: TokenId;
  origin: TokenOrigin;
  /** Index in the output (0-based). */
  index: number;
}

export interface RecoveredTokenContext {
  /** The token the device recovered. */
  token: TokenId;
  correction: Correction;
  /** The q and s the recovery used (the drafter's, at the correction position). */
  q: Distribution;
  s: Distribution;
  rejectedToken: TokenId | null;
  sampling: Omit<SamplingParams, 'topK'>;
  /** A fresh copy of the stream the recovery drew from (same seed, round, purpose). */
  uniform: () => number;
}

/** `corrected` when the recovery without private evidence in π gives the same token, `steered` otherwise. */
export function recoveredOrigin(context: RecoveredTokenContext): 'corrected' | 'steered' {
  const counterfactual = recoverToken({
    correction: context.correction,
    q: context.q,
    s: context.s,
    rejectedToken: context.rejectedToken,
    sampling: { ...context.sampling, alpha: 0 },
    uniform: context.uniform,
  });
  return counterfactual === context.token ? 'corrected' : 'steered';
}

/** Greedy mode: `steered` when argmax π at this position is not argmax of the cloud's own p. */
export function greedyOrigin(position: RoundPosition, token: TokenId): 'corrected' | 'steered' {
  return greedyToken(position.correction, position.q, position.s, 0) === token
    ? 'corrected'
    : 'steered';
}
