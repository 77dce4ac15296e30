// The ground truth every method is measured against (docs/design.md,
// "Baselines"): the fusion target π ∝ p·(q/s)^α decoded exactly, position by
// position, from FULL distributions — q and s from the device model, p over
// the whole vocabulary from a scorer that holds it (the embedded llama.cpp
// backend, tables). Greedy: argmax π; sampled: a draw from π^(1/T). No
// truncation, no acceptance test: this is what SpecSteer approximates. It is
// not a deployable method (p in full every token) — a reference.

import type { DraftContext, Drafter, Scorer, TokenId } from '../engine.ts';
import { argmax, sampleCategorical } from '../math/categorical.ts';
import { fuse } from '../math/fusion.ts';
import { temperDistribution } from '../math/temperature.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { RunMetricsRecorder } from '../metrics/runMetrics.ts';
import { deviceSecretFromSeed, deviceStream, type DeviceSecret } from '../rng.ts';
import {
  withSamplingDefaults,
  type GenerationResult,
  type GenerationSampling,
} from '../session/generationResult.ts';

export interface ExactFusionOptions {
  drafter: Drafter;
  context: DraftContext;
  /** The target; it must report every id when asked for topK = vocabulary size. */
  target: Scorer;
  sampling: GenerationSampling;
  deviceSecret?: DeviceSecret;
  clock?: Clock;
  /** Called with π at every position (tests and fidelity measurements). */
  onPosition?(position: {
    p: Float64Array;
    q: Float64Array;
    s: Float64Array;
    pi: Float64Array;
  }): void;
}

/** Decode π exactly: one full scoring pass of p per token. */
export async function runExactFusion(options: ExactFusionOptions): Promise<GenerationResult> {
  const sampling = withSamplingDefaults(options.sampling);
  const { drafter, target } = options;
  const vocabSize = drafter.vocabSize;
  const stops = new Set(sampling.stopTokens);
  const clock = options.clock ?? monotonicClock;
  const recorder = new RunMetricsRecorder('exact-fusion', clock);
  const secret = options.deviceSecret ?? deviceSecretFromSeed(sampling.seed);
  const output: TokenId[] = [];
  await recorder.drafting(() => drafter.begin(options.context));
  const session = await target.openSession();
  try {
    while (output.length < sampling.maxTokens && drafter.room(output.length) > 0) {
      const block = await recorder.drafting(async () => {
        await drafter.commit(output);
        return drafter.draft(
          0,
          () => 0,
          () => false,
        );
      });
      const sequence = [...options.context.public, ...output];
      const [score] = await recorder.exchange(() =>
        session.score(sequence, sequence.length, { topK: vocabSize, temperature: 1 }),
      );
      const p = new Float64Array(vocabSize);
      score!.top.ids.forEach((id, j) => {
        p[id] = Math.exp(score!.top.logprobs[j]!);
      });
      const q = block.distributions[0]!;
      const s = block.references[0]!;
      const pi = fuse(p, q, s, sampling.alpha);
      options.onPosition?.({ p, q, s, pi });
      // π^(1/T) is π of the tempered p, q and s: tempering and fusion commute.
      const token =
        sampling.temperature === 0
          ? argmax(pi)
          : sampleCategorical(
              sampling.temperature === 1 ? pi : temperDistribution(pi, sampling.temperature),
              deviceStream(secret, output.length, 'exact-fusion').uniform(),
            );
      output.push(token);
      if (stops.has(token)) break;
    }
  } finally {
    await session.close();
  }
  return {
    tokens: output,
    origins: output.map(() => 'exact' as const),
    finish: output.length > 0 && stops.has(output.at(-1)!) ? 'stop' : 'length',
    metrics: recorder.finish(output.length),
  };
}
