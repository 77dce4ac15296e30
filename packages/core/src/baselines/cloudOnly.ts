// Baseline "cloud-only" of docs/design.md §2: the target model alone on the public
// context, sampling p (top-K, at the session's temperature) — smart,
// impersonal, leaks nothing. It runs where the target runs, so the device
// pays one round trip for the whole streamed answer. Sampling renormalizes
// over the top-K the Scorer reports (exactly p when K = vocabulary size).

import type { Scorer, TokenId } from '../engine.ts';
import { argmax, sampleCategorical } from '../math/categorical.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { RunMetricsRecorder } from '../metrics/runMetrics.ts';
import { rngStream } from '../rng.ts';
import {
  withSamplingDefaults,
  type GenerationResult,
  type GenerationSampling,
} from '../session/generationResult.ts';

export interface CloudOnlyOptions {
  target: Scorer;
  /** The public prompt, tokenized (BOS included) — e.g. the backend's tokenizePrompt(messages). */
  promptTokens: readonly TokenId[];
  sampling: GenerationSampling;
  clock?: Clock;
}

/** Next token from a top-K view of p (already tempered by the scorer): argmax at temperature 0, else a sample renormalized over the top-K. */
function sampleTopK(
  ids: readonly TokenId[],
  logprobs: readonly number[],
  temperature: number,
  u: () => number,
): TokenId {
  if (temperature === 0) return ids[argmax(logprobs)]!;
  const top = Math.max(...logprobs);
  const weights = logprobs.map((lp) => Math.exp(lp - top));
  return ids[sampleCategorical(weights, u())]!;
}

export async function runCloudOnly(options: CloudOnlyOptions): Promise<GenerationResult> {
  const sampling = withSamplingDefaults(options.sampling);
  const stops = new Set(sampling.stopTokens);
  const recorder = new RunMetricsRecorder('cloud-only', options.clock ?? monotonicClock);
  const rng = rngStream(sampling.seed, 0, 'cloud-only');
  const output: TokenId[] = [];
  const session = await options.target.openSession();
  try {
    // One request, one streamed answer: the whole generation is one exchange.
    await recorder.exchange(async () => {
      const start = (options.clock ?? monotonicClock)();
      while (output.length < sampling.maxTokens) {
        const sequence = [...options.promptTokens, ...output];
        const [next] = await session.score(sequence, sequence.length, {
          topK: sampling.topK,
          temperature: sampling.temperature,
        });
        const token = sampleTopK(next!.top.ids, next!.top.logprobs, sampling.temperature, () =>
          rng.uniform(),
        );
        output.push(token);
        if (stops.has(token)) break;
      }
      recorder.serverTime((options.clock ?? monotonicClock)() - start);
    });
  } finally {
    await session.close();
  }
  return {
    tokens: output,
    origins: output.map(() => 'cloud' as const),
    finish: stops.has(output.at(-1)!) ? 'stop' : 'length',
    metrics: recorder.finish(output.length),
  };
}
