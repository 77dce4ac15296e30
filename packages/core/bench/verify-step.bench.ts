// Time per verification step in core (issue: "time per verification step for
// k = 8 and K = 20"): verifyDraft on the server and recoverToken on the device,
// for the Qwen2.5 vocabulary and for our offline pair's. Not a timed test:
//   pnpm exec tsx packages/core/bench/verify-step.bench.ts

import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  recoverToken,
  rejectedToken,
  verifyDraft,
  type SamplingParams,
} from '../src/math/index.ts';
import type { PositionScore, TokenId } from '../src/engine.ts';
import { createRng, type Rng } from '../src/rng.ts';

const DRAFT_LENGTH = 8;
const TOP_K = 20;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const WARMUP = 200;

/** A Zipf-like next-token law over the vocabulary, in a random order: peaked like a language model's. */
function zipfDistribution(rng: Rng, vocabSize: number): Float64Array {
  const d = new Float64Array(vocabSize);
  let total = 0;
  for (let y = 0; y < vocabSize; y++) {
    d[y] = 1 / (1 + Math.floor(rng.uniform() * vocabSize)) ** 1.1;
    total += d[y]!;
  }
  for (let y = 0; y < vocabSize; y++) d[y] = d[y]! / total;
  return d;
}

/** What a vLLM scorer returns for one position: top-K of `dist` and the log-probability of the next token. */
function scoreFrom(dist: Float64Array, next: TokenId | null): PositionScore {
  // Partial selection of the top-K: a scorer does this on the GPU, it is not part of the step.
  const ids: TokenId[] = [];
  for (let y = 0; y < dist.length; y++) {
    if (ids.length < TOP_K || dist[y]! > dist[ids[ids.length - 1]!]!) {
      ids.push(y);
      ids.sort((a, b) => dist[b]! - dist[a]!);
      if (ids.length > TOP_K) ids.pop();
    }
  }
  return {
    top: { ids, logprobs: ids.map((id) => Math.log(dist[id]!)) },
    tokenLogprob: next === null ? null : Math.log(dist[next]!),
  };
}

interface Case {
  draft: TokenId[];
  target: PositionScore[];
  reference: PositionScore[];
  q: Float64Array[];
}

function makeCase(rng: Rng, vocabSize: number): Case {
  const q = Array.from({ length: DRAFT_LENGTH + 1 }, () => zipfDistribution(rng, vocabSize));
  const draft = q.slice(0, DRAFT_LENGTH).map((d) => rng.categorical(d));
  const score = () =>
    Array.from({ length: DRAFT_LENGTH + 1 }, (_, i) =>
      scoreFrom(zipfDistribution(rng, vocabSize), draft[i] ?? null),
    );
  return { draft, target: score(), reference: score(), q };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/**
 * Wall time of each call, and the process's CPU time summed over all calls:
 * on a shared 2-core machine the wall time includes waiting for a core, the
 * CPU time does not.
 */
class Timing {
  readonly wallMs: number[] = [];
  cpuMicros = 0;

  measure<T>(record: boolean, f: () => T): T {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const value = f();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (record) {
      this.wallMs.push(wall);
      this.cpuMicros += used.user + used.system;
    }
    return value;
  }

  report(label: string): void {
    const sorted = [...this.wallMs].sort((a, b) => a - b);
    const us = (micros: number) => `${micros.toFixed(1)} µs`.padStart(11);
    console.log(
      `${label.padEnd(44)} wall median ${us(percentile(sorted, 0.5) * 1000)}   p99 ${us(percentile(sorted, 0.99) * 1000)}   CPU mean ${us(this.cpuMicros / sorted.length)}`,
    );
  }
}

function bench(vocabSize: number): void {
  const rng = createRng(vocabSize);
  const sampling: SamplingParams = { temperature: 1, alpha: 1, leniency: 1, tau: 1, topK: TOP_K };
  // A handful of prepared rounds, cycled, so that setup stays out of the timings.
  const cases = Array.from({ length: 16 }, () => makeCase(rng, vocabSize));
  const verifyTiming = new Timing();
  const recoverRejectedTiming = new Timing();
  const recoverBonusTiming = new Timing();
  let acceptedTotal = 0;
  for (let iteration = -WARMUP; iteration < ITERATIONS; iteration++) {
    const record = iteration >= 0;
    const c = cases[(iteration + WARMUP) % cases.length]!;
    const uniform = () => rng.uniform();
    const scored = {
      draft: c.draft,
      target: c.target,
      reference: c.reference,
      sampling,
      vocabSize,
    };

    const verdict = verifyTiming.measure(record, () => verifyDraft({ ...scored, uniform }));
    if (record) acceptedTotal += verdict.accepted;

    // Recovery after a rejection at the verdict's position (at position 1 if all were accepted) …
    const allAccepted = verdict.accepted === DRAFT_LENGTH;
    const rejected = allAccepted ? verifyDraft({ ...scored, uniform: () => 0.999999 }) : verdict;
    recoverRejectedTiming.measure(record, () =>
      recoverToken({
        correction: rejected.correction,
        q: c.q[rejected.accepted]!,
        rejectedToken: rejectedToken(c.draft, rejected),
        sampling,
        uniform,
      }),
    );

    // … and the bonus token after a fully accepted draft (its correction comes with k = 0 here).
    const bonus = verifyDraft({
      draft: [],
      target: c.target.slice(-1),
      reference: c.reference.slice(-1),
      sampling,
      vocabSize,
      uniform,
    });
    recoverBonusTiming.measure(record, () =>
      recoverToken({
        correction: bonus.correction,
        q: c.q[DRAFT_LENGTH]!,
        rejectedToken: null,
        sampling,
        uniform,
      }),
    );
  }
  console.log(
    `\nvocabulary ${vocabSize.toLocaleString('en-US')}, k = ${DRAFT_LENGTH}, K = ${TOP_K} (mean accepted ${(acceptedTotal / ITERATIONS).toFixed(2)})`,
  );
  verifyTiming.report('verifyDraft (server, ratio test + correction)');
  recoverRejectedTiming.report('recoverToken after a rejection (device)');
  recoverBonusTiming.report('recoverToken, bonus token (device)');
}

console.log(
  `Node ${process.version}, ${ITERATIONS} iterations after ${WARMUP} warm-up, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${availableParallelism()} cores`,
);
for (const vocabSize of [151_936, 1_024]) bench(vocabSize);
