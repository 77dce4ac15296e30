// Time of one verification step in core (the server's verifyRound: ratio test
// over k draft tokens + top-K correction) and of the device's recovery, for
// k = 8 and K = 20, outside any model call. Not a test: a measurement.
//
//   pnpm exec tsx packages/core/src/bench/verifyRoundBench.ts
//
// Scores are synthetic (random top-K log-probabilities over a vocabulary of
// V tokens), shaped exactly as a Scorer returns them.

import type { PositionScore } from '../engine.ts';
import { recoverToken } from '../math/recover.ts';
import { rngStream } from '../rng.ts';
import { verifyRound } from '../server/verifyRound.ts';

const K = 20;
const k = 8;

function randomScores(vocabSize: number, draft: number[], seed: number): PositionScore[] {
  const rng = rngStream(seed, 0, 'bench');
  const scores: PositionScore[] = [];
  for (let i = 0; i <= draft.length; i++) {
    const ids: number[] = [];
    while (ids.length < K) {
      const id = Math.floor(rng.uniform() * vocabSize);
      if (!ids.includes(id)) ids.push(id);
    }
    // Geometric-ish mass on the top-K, 10% left in the tail.
    const weights = ids.map((_, j) => 0.9 * 0.5 ** (j + 1));
    const logprobs = weights.map((w) => Math.log(w));
    const next = draft[i];
    const inTop = next === undefined ? -1 : ids.indexOf(next);
    scores.push({
      top: { ids, logprobs },
      tokenLogprob: next === undefined ? null : inTop >= 0 ? logprobs[inTop]! : Math.log(1e-4),
    });
  }
  return scores;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function bench(label: string, iterations: number, body: (i: number) => void): void {
  for (let i = 0; i < Math.min(200, iterations); i++) body(i); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    body(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${label.padEnd(46)} mean ${(mean * 1000).toFixed(1).padStart(7)} µs   p50 ${(percentile(times, 0.5) * 1000).toFixed(1).padStart(7)} µs   p99 ${(percentile(times, 0.99) * 1000).toFixed(1).padStart(7)} µs`,
  );
}

const sampling = { temperature: 1, alpha: 1, leniency: 1, tau: 1, topK: K };
for (const vocabSize of [1024, 32_000, 151_936]) {
  const cases = Array.from({ length: 64 }, (_, c) => {
    const draftRng = rngStream(c, 1, 'bench-draft');
    const draft = Array.from({ length: k }, () => Math.floor(draftRng.uniform() * vocabSize));
    return {
      draft,
      target: randomScores(vocabSize, draft, 2 * c),
      reference: randomScores(vocabSize, draft, 2 * c + 1),
    };
  });
  const outcomes = cases.map((c, i) =>
    verifyRound({
      ...c,
      sampling,
      vocabSize,
      uniform: () => rngStream(i, 0, 'verify').uniform(),
      outputLength: 0,
      maxTokens: 1000,
      stopTokens: new Set(),
    }),
  );
  bench(`server verifyRound  k=${k} K=${K} V=${vocabSize}`, 2000, (i) => {
    const c = cases[i % cases.length]!;
    const rng = rngStream(i, 0, 'verify');
    verifyRound({
      ...c,
      sampling,
      vocabSize,
      uniform: () => rng.uniform(),
      outputLength: 0,
      maxTokens: 1000,
      stopTokens: new Set(),
    });
  });
  const q = new Float64Array(vocabSize).fill(1 / vocabSize);
  const iterations = vocabSize > 100_000 ? 200 : 1000;
  bench(`device recoverToken K=${K} V=${vocabSize}`, iterations, (i) => {
    const c = cases[i % cases.length]!;
    const outcome = outcomes[i % cases.length]!;
    const rng = rngStream(i, 0, 'recover');
    recoverToken({
      correction: outcome.correction!,
      q,
      rejectedToken: outcome.accepted < k ? c.draft[outcome.accepted]! : null,
      sampling,
      uniform: () => rng.uniform(),
    });
  });
}
