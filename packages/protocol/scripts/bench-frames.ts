// Cost of validating the two frames of every round (a benchmark, not a test):
//   pnpm exec tsx packages/protocol/scripts/bench-frames.ts
// A draft with k = 8 tokens (server side) and a verdict with nine K = 20
// corrections (client side), parsed and encoded; median of 7 batches.

import { DEFAULT_LIMITS, encodeFrame, parseClientFrame, parseServerFrame } from '../src/index.ts';

const draft = encodeFrame({
  type: 'draft',
  sessionId: 'bench-1',
  round: 17,
  committed: [640],
  tokens: [311, 87, 502, 9, 55, 71, 13, 48],
});
const ids = Array.from({ length: 20 }, (_, i) => 100 + i * 7);
const logprobs = ids.map((_, i) => -0.3 - i * 0.21);
const verdict = encodeFrame({
  type: 'verdict',
  sessionId: 'bench-1',
  round: 17,
  corrections: Array.from({ length: 9 }, (_, i) => ({
    position: 120 + i,
    ids,
    top: 20,
    logprobs,
    tail: -2.5,
    tailSample: 900,
  })),
  committedTokens: 120,
  timing: { scoreMs: 12.3 },
});

function microsecondsPer(label: string, work: () => unknown, iterations = 20_000): void {
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) work();
    batches.push(((performance.now() - start) * 1000) / iterations);
  }
  batches.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${(batches[3] as number).toFixed(2)} µs`);
}

console.log(`draft frame ${draft.length} bytes, verdict frame ${verdict.length} bytes`);
microsecondsPer('parseClientFrame(draft k=8, limits)', () =>
  parseClientFrame(draft, DEFAULT_LIMITS),
);
microsecondsPer('parseServerFrame(verdict K=20)', () => parseServerFrame(verdict));
const parsedVerdict = parseServerFrame(verdict);
if (!parsedVerdict.ok) throw parsedVerdict.error;
microsecondsPer('encodeFrame(verdict K=20)', () => encodeFrame(parsedVerdict.message));
microsecondsPer('parseClientFrame(invalid draft → error)', () =>
  parseClientFrame(draft.replace('311', '-311')),
);
