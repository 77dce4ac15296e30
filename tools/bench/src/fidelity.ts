// Fidelity: how far the law SpecSteer emits at a position is from the fusion
// target π, on answer positions of the PersonaWorld eval split with the
// shipped pair. Each position's q, s (small model, with and without the
// private history) and p (large model, full vocabulary) come from exact-π
// decoding; the emitted law is computed exactly by core's protocolLaw (every
// draft, accept/reject branch and tail sample), for several top-K and
// temperatures, with the embedded backend's tail samples and without them
// (vLLM reports only the top-K). A measurement, not a test:
//
//   npx -y pnpm@12.4.2 exec tsx tools/bench/src/fidelity.ts [--positions 500] [--json out.json]

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  argmax,
  buildCorrection,
  fusionTarget,
  greedyToken,
  runExactFusion,
  scoreFromDistribution,
} from '@specsteer/core';
import { tvByTopK } from './fidelity-law.ts';
import { evalSplit, loadModelPair } from './model-pair.ts';

const { values } = parseArgs({
  options: {
    positions: { type: 'string', default: '500' },
    'top-k': { type: 'string', default: '5,20,64,256,1024' },
    temperatures: { type: 'string', default: '1,0.7' },
    json: { type: 'string' },
  },
});
const wanted = Number(values.positions);
const topKs = values['top-k'].split(',').map(Number);
const temperatures = values.temperatures.split(',').map(Number);

const normalized = (d: Float64Array) => {
  const total = d.reduce((a, b) => a + b, 0);
  return d.map((v) => v / total);
};

const pair = await loadModelPair();
const positions: { p: Float64Array; q: Float64Array; s: Float64Array }[] = [];
const tasks = evalSplit();
for (let i = 0; i < tasks.length && positions.length < wanted; i++) {
  const { context } = pair.contexts(tasks[i]!);
  await runExactFusion({
    drafter: pair.drafter,
    context,
    target: pair.target,
    sampling: {
      temperature: 0,
      seed: 1,
      topK: pair.vocabSize,
      maxTokens: 96,
      stopTokens: [pair.stopToken],
    },
    // llama.cpp's softmax is float32 (sums 1 ± 1e-5): normalize in float64, the laws compared are these.
    onPosition: ({ p, q, s }) =>
      positions.push({ p: normalized(p), q: normalized(q), s: normalized(s) }),
  });
}
await pair.dispose();
console.log(`${positions.length} answer positions from the eval split (exact-π greedy answers)`);

const rows: Record<string, unknown>[] = [];
const fmt = (x: number) => (x < 1e-4 ? x.toExponential(1) : x.toFixed(4));
console.log(
  '\nT     K     tail sample   TV(emitted, π) mean / p99 / max   no private context: TV(emitted, p) max',
);
// With q := s (no private context) π is p itself, so the same law against π measures TV(emitted, p).
const steered = tvByTopK(positions, temperatures, topKs, 1);
const plain = tvByTopK(
  positions.map((position) => ({ ...position, q: position.s })),
  temperatures,
  topKs,
  1,
);
steered.forEach(({ temperature, topK, tailSample, tv }, i) => {
  const noPrivateMax = plain[i]!.tv.max;
  rows.push({ temperature, topK, tailSample, ...tv, noPrivateContextMax: noPrivateMax });
  console.log(
    `${String(temperature).padEnd(5)} ${String(topK).padEnd(5)} ${(tailSample ? 'yes (llama.cpp)' : 'no (vLLM)').padEnd(15)} ${fmt(tv.mean)} / ${fmt(tv.p99)} / ${fmt(tv.max)}${' '.repeat(12)}${fmt(noPrivateMax)}`,
  );
});

// Greedy: how often argmax π̂ (what the device reads from a top-K correction) differs from argmax π.
console.log('\ngreedy (T = 0): positions where argmax π̂ ≠ argmax π');
for (const topK of topKs) {
  let differ = 0;
  for (const { p, q, s } of positions) {
    // The correction the server sends in greedy mode, read by the device as it does.
    const score = scoreFromDistribution(p, undefined, { topK, temperature: 0 });
    const correction = buildCorrection(score, null, topK, p.length, null);
    if (greedyToken(correction, q, s, 1) !== argmax(fusionTarget(p, q, s, 1))) differ++;
  }
  console.log(`K = ${String(topK).padEnd(5)} ${differ} of ${positions.length}`);
  rows.push({ temperature: 0, topK, argmaxDiffers: differ, positions: positions.length });
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(rows, null, 2));
