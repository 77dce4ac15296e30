// The inputs and outputs of the Draft–Verify–Recover steps (docs/design.md,
// "The math"): the server's draftCorrections and the device's decisions. The wire
// types live in @specsteer/protocol; the session loop maps between them with
// these field names.

import type { Distribution, PositionScore, TokenId } from '../engine.ts';

export type { Distribution, PositionScore, TokenId };

/** Sampling settings of one generation. */
export interface SamplingParams {
  /** 0 = greedy (argmax of π at every position); otherwise every law is tempered by 1/T. */
  temperature: number;
  /** Weight α ≥ 0 of the private evidence in π ∝ p·(q/s)^α (device only). */
  alpha: number;
  /** How many of the target's top entries each correction carries. */
  topK: number;
}

/**
 * What the cloud tells the device about p at one position (at the session's
 * temperature, raw at T = 0): exact log-probabilities on `ids` — the target's
 * top-K, plus the drafted token at that position when it is outside them —
 * and the mass outside `ids`. `null` means log(0): JSON has no -Infinity.
 *
 * `tailSample` is one draw from p restricted to the tokens outside `ids`,
 * made with the server's public verification stream. Backends that hold the
 * full distribution (llama.cpp) send it; with it the emitted law is exactly
 * p when the device has no private context, at any K.
 */
export interface Correction {
  ids: TokenId[];
  logprobs: (number | null)[];
  tail: number | null;
  tailSample?: TokenId | null;
}

/** Server side (cloud): public data only — the draft tokens and the target's scores. */
export interface ScoredDraft {
  /** y_1..y_k, k ≥ 0; k = 0 gives only the correction at position 1 (token-level fusion). */
  draft: TokenId[];
  /** k+1 entries from the target Scorer at the session's temperature: entry i scores the position of y_{i+1}. */
  target: PositionScore[];
  topK: number;
  vocabSize: number;
}

/** Device side: has q and s in full. */
export interface RecoverTokenInput {
  correction: Correction;
  /** Full q at the correction position, untempered (recovery applies the temperature). */
  q: Distribution;
  /** Full s at the correction position (the small model on the public context), untempered. */
  s: Distribution;
  /** The draft token rejected at this position, or null when all were accepted (bonus). */
  rejectedToken: TokenId | null;
  sampling: Omit<SamplingParams, 'topK'>;
  /** From the device's own 'recover' stream for this round. */
  uniform: () => number;
}
