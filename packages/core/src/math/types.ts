// The inputs and outputs of the two top-level steps of docs/design.md §2: the
// server's verifyDraft and the device's recoverToken. The wire types live in
// @specsteer/protocol; the session loop maps between them with these field names.

import type { Distribution, PositionScore, TokenId } from '../engine.ts';

export type { Distribution, PositionScore, TokenId };

/** Sampling settings shared by the device and the server for one session. */
export interface SamplingParams {
  /** 0 = greedy (docs/design.md §2 "Greedy"); 1 = the model distributions as they are. */
  temperature: number;
  /** Weight α ≥ 0 of the private evidence in π ∝ p·(q/s)^α. */
  alpha: number;
  /** c > 0 of a = min(1, p/(s·c)); the design uses c ≥ 1, and c ≥ Z makes α = 1 exact. */
  leniency: number;
  /** Greedy threshold τ > 0: accept iff p/s ≥ τ. */
  tau: number;
  /** How many of each scorer's top entries the correction carries (vLLM caps this at 20). */
  topK: number;
}

/**
 * What the cloud sends back about the correction position: p and s on a
 * support (the union of both scorers' top-K, plus the rejected draft token),
 * as natural-log probabilities, and the mass of each model outside that
 * support. `null` means log(0): JSON has no -Infinity.
 *
 * A value on the support that fell outside a model's own top-K is unknown to
 * the server; it carries an estimate (see correction.ts), and the tail is what
 * remains of that model's mass after the estimates.
 */
export interface Correction {
  ids: TokenId[];
  targetLogprobs: (number | null)[];
  referenceLogprobs: (number | null)[];
  targetTail: number | null;
  referenceTail: number | null;
}

/** Server side (cloud): public data only. */
export interface VerifyDraftInput {
  /** y_1..y_k, k ≥ 0; k = 0 gives only the correction at position 1 (token-level fusion). */
  draft: TokenId[];
  /** k+1 entries from the target Scorer: entry i scores the position of y_{i+1}. */
  target: PositionScore[];
  /** k+1 entries from the reference Scorer. */
  reference: PositionScore[];
  sampling: SamplingParams;
  vocabSize: number;
  /** u_i for this round, from the session's 'verify' stream. */
  uniform: () => number;
}

export interface Verdict {
  /** How many draft tokens were accepted (a prefix of the draft). */
  accepted: number;
  /** The correction at position accepted+1: the first rejection, or k+1. */
  correction: Correction;
}

/** Device side: has the full q. */
export interface RecoverTokenInput {
  correction: Correction;
  /** Full q at the correction position, at temperature 1 (recovery applies the temperature). */
  q: Distribution;
  /** The draft token rejected at this position, or null when all were accepted (bonus). */
  rejectedToken: TokenId | null;
  sampling: SamplingParams;
  /** From the device's own 'recover' stream for this round. */
  uniform: () => number;
}
