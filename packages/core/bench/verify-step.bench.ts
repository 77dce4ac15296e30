// Time per verification step in core for k = 8 and K = 20: draftCorrections
// on the server (k+1 corrections, tail samples) and sampledCommit / greedyCommit
// on the device (π over the vocabulary at each position it reaches), for the
// Qwen2.5 vocabulary and for our offline pair's. Not a timed test:
//   npx -y pnpm@12.4.2 exec tsx packages/core/bench/verify-step.bench.ts

import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { draftCorrections, greedyCommit, sampledCommit } from '../src/math/index.ts';
import { scoreFromDistribution } from '../src/math/position-score.ts';
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

interface Case {
  draft: TokenId[];
  target: PositionScore[];
  q: Float64Array[];
  s: Float64Array[];
}

function makeCase(rng: Rng, vocabSize: number): Case {
  const q = Array.from({ length: DRAFT_LENGTH + 1 }, () => zipfDistribution(rng, vocabSize));
  const s = Array.from({ length: DRAFT_LENGTH + 1 }, () => zipfDistribution(rng, vocabSize));
  const draft = q.slice(0, DRAFT_LENGTH).map((d) => rng.categorical(d));
  // What the llama.cpp scorer reports (full distribution held; the top-K selection is the scorer's work).
  const target = Array.from({ length: DRAFT_LENGTH + 1 }, (_, i) =>
    scoreFromDistribution(zipfDistribution(rng, vocabSize), draft[i], {
      topK: TOP_K,
      temperature: 1,
    }),
  );
  return { draft, target, q, s };
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
  const sampling = { temperature: 1, alpha: 1 };
  // A handful of prepared rounds, cycled, so that setup stays out of the timings.
  const cases = Array.from({ length: 16 }, () => makeCase(rng, vocabSize));
  const serverTiming = new Timing();
  const sampledTiming = new Timing();
  const greedyTiming = new Timing();
  let reached = 0;
  for (let iteration = -WARMUP; iteration < ITERATIONS; iteration++) {
    const record = iteration >= 0;
    const c = cases[(iteration + WARMUP) % cases.length]!;
    const uniform = () => rng.uniform();
    const corrections = serverTiming.measure(record, () =>
      draftCorrections({ draft: c.draft, target: c.target, topK: TOP_K, vocabSize }, uniform),
    );
    const positions = corrections.map((correction, i) => ({ correction, q: c.q[i]!, s: c.s[i]! }));
    const commit = sampledTiming.measure(record, () =>
      sampledCommit(c.draft, positions, sampling, uniform),
    );
    if (record) reached += commit.agreed + 1;
    greedyTiming.measure(record, () => greedyCommit(c.draft, positions, 1));
  }
  console.log(
    `\nvocabulary ${vocabSize.toLocaleString('en-US')}, k = ${DRAFT_LENGTH}, K = ${TOP_K} (mean positions the device fused: ${(reached / ITERATIONS).toFixed(2)})`,
  );
  serverTiming.report('draftCorrections (server, k+1 corrections)');
  sampledTiming.report('sampledCommit (device, test + residual)');
  greedyTiming.report('greedyCommit (device, argmax π per position)');
}

console.log(
  `Node ${process.version}, ${ITERATIONS} iterations after ${WARMUP} warm-up, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${availableParallelism()} cores`,
);
for (const vocabSize of [151_936, 1_024]) bench(vocabSize);
