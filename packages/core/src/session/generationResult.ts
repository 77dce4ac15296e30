// What every generation method returns (SpecSteer and the baselines of
// docs/design.md §2), so the benchmark compares like with like.

import type { FinishReason } from '@specsteer/protocol';
import type { TokenId } from '../engine.ts';
import type { RunMetrics } from '../metrics/runMetrics.ts';
import type { TokenOrigin } from './tokenOrigin.ts';

export interface GenerationResult {
  /** The output tokens, stop token included when one ended the run; never more than maxTokens. */
  tokens: TokenId[];
  /** origins[i] is where tokens[i] came from. */
  origins: TokenOrigin[];
  finish: FinishReason;
  metrics: RunMetrics;
}

/** Sampling settings as the device chooses them (the protocol's `sampling`, defaults optional). */
export interface GenerationSampling {
  /** 0 = greedy. */
  temperature: number;
  /** Seeds the server's verification stream (sent in `open`); the device's own streams use its secret. */
  seed: number;
  /** α of π ∝ p·(q/s)^α (default 1). */
  alpha?: number;
  /** K of the top-K correction. */
  topK: number;
  maxTokens: number;
  /** The generation ends after the first of these (it is part of the output). */
  stopTokens?: TokenId[];
}

export function withSamplingDefaults(sampling: GenerationSampling): Required<GenerationSampling> {
  return {
    ...sampling,
    alpha: sampling.alpha ?? 1,
    stopTokens: sampling.stopTokens ?? [],
  };
}
