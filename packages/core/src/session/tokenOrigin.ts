// Where each committed token came from, for the CLI and the UI to mark.
//
// - `accepted`:  a draft token of the device that passed the cloud's ratio test.
// - `corrected`: a token the device recovered from the cloud's correction (after
//                a rejection, or the bonus token after a fully accepted draft)
//                that is the cloud's own first choice: argmax of p over the
//                correction's ids (lowest id on ties).
// - `steered`:   a recovered token that is NOT the cloud's first choice: the
//                private evidence (q/s in π, or the residual's removal of what
//                the draft already covered) moved the choice away from what the
//                cloud alone would have picked.
// Baselines use `local` (local-only: drawn from q) and `cloud` (cloud-only: drawn from p).

import type { Correction } from '@specsteer/protocol';
import type { TokenId } from '../engine.ts';

export type TokenOrigin = 'accepted' | 'corrected' | 'steered' | 'local' | 'cloud';

export interface CommittedToken {
  token: TokenId;
  origin: TokenOrigin;
  /** Index in the output (0-based). */
  index: number;
}

/** The cloud's first choice in a correction: argmax of p over its ids, lowest id on ties. */
export function cloudFirstChoice(correction: Pick<Correction, 'ids' | 'targetLogprobs'>): TokenId {
  let best = -1;
  let bestLogprob = -Infinity;
  correction.ids.forEach((id, j) => {
    const logprob = correction.targetLogprobs[j] ?? -Infinity;
    if (best < 0 || logprob > bestLogprob || (logprob === bestLogprob && id < best)) {
      best = id;
      bestLogprob = logprob;
    }
  });
  return best;
}

/** `corrected` when the recovered token is the cloud's first choice, `steered` otherwise. */
export function recoveredOrigin(
  token: TokenId,
  correction: Pick<Correction, 'ids' | 'targetLogprobs'>,
): 'corrected' | 'steered' {
  return token === cloudFirstChoice(correction) ? 'corrected' : 'steered';
}
