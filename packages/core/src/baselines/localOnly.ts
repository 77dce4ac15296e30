// Baseline "local-only" of docs/design.md §2: the device model alone with the
// private context, sampling q — personal, weaker, no network at all.

import type { Drafter, TokenId } from '../engine.ts';
import { chooseDraftToken } from '../math/draft.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { RunMetricsRecorder } from '../metrics/runMetrics.ts';
import { deviceSecretFromSeed, deviceStream, type DeviceSecret } from '../rng.ts';
import {
  withSamplingDefaults,
  type GenerationResult,
  type GenerationSampling,
} from '../session/generationResult.ts';

export interface LocalOnlyOptions {
  drafter: Drafter;
  /** BOS + private history + public prompt, tokenized. */
  contextTokens: readonly TokenId[];
  /** The device's secret for its sampling stream (default: one derived from sampling.seed — a replayable run). */
  deviceSecret?: DeviceSecret;
  sampling: GenerationSampling;
  clock?: Clock;
}

export async function runLocalOnly(options: LocalOnlyOptions): Promise<GenerationResult> {
  const sampling = withSamplingDefaults(options.sampling);
  const stops = new Set(sampling.stopTokens);
  const recorder = new RunMetricsRecorder('local-only', options.clock ?? monotonicClock);
  const { drafter } = options;
  const rng = deviceStream(
    options.deviceSecret ?? deviceSecretFromSeed(sampling.seed),
    0,
    'local-only',
  );
  const block = await recorder.drafting(async () => {
    // Nothing leaves the device: the public context is not needed (s is then q itself, for free).
    await drafter.begin({ device: options.contextTokens, public: options.contextTokens });
    // The drafter stops itself after a stop token; one call generates the whole answer.
    return drafter.draft(
      sampling.maxTokens,
      (q) => chooseDraftToken(q, sampling.temperature, () => rng.uniform()),
      (token) => stops.has(token),
    );
  });
  const output = block.tokens.slice(0, sampling.maxTokens);
  return {
    tokens: output,
    origins: output.map(() => 'local' as const),
    finish: output.length > 0 && stops.has(output.at(-1)!) ? 'stop' : 'length',
    metrics: recorder.finish(output.length),
  };
}
