// What one vLLM scoring answer costs the verifier as the sequence grows:
// vLLM returns prompt_logprobs for every prompt position (there is no "from"
// parameter), so a round over an n-token sequence carries n × (K or K+1)
// entries even though only the last k+1 positions are needed.
//
//   pnpm exec tsx apps/verifier/src/backends/vllm/measure-response-cost.ts
//
// Prints, per sequence length, the body size and the time to build the
// PositionScores of the last 9 positions (k = 8) from the body text: with
// JSON.parse of the whole body, and with the tail reader the client uses
// (prompt-logprobs-tail.ts). Medians of 20 runs.

import { positionScores } from './position-scores.ts';
import { parseScoringBody } from './prompt-logprobs-tail.ts';
import { CompletionResponseSchema } from './vllm-wire.ts';
import { syntheticScoringBody } from './synthetic-scoring-body.ts';

const K = 20;
const DRAFT = 8;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rows: string[] = ['tokens  body_KiB  full_parse_ms  tail_reader_ms'];
for (const n of [128, 512, 1024, 2048, 4096]) {
  const tokens = Array.from({ length: n }, (_, i) => (i * 7919) % 4000);
  const body = syntheticScoringBody(tokens, K);
  const from = n - DRAFT;
  const full: number[] = [];
  const tail: number[] = [];
  for (let run = 0; run < 20; run++) {
    let started = performance.now();
    positionScores(CompletionResponseSchema.parse(JSON.parse(body)), tokens, from, K);
    full.push(performance.now() - started);

    started = performance.now();
    const parsed = parseScoringBody(body, from);
    const response = CompletionResponseSchema.parse(parsed.envelope);
    response.choices[0]!.prompt_logprobs = parsed.promptLogprobs;
    positionScores(response, tokens, from, K);
    tail.push(performance.now() - started);
  }
  rows.push(
    [
      String(n).padStart(6),
      (body.length / 1024).toFixed(0).padStart(8),
      median(full).toFixed(2).padStart(13),
      median(tail).toFixed(2).padStart(14),
    ].join('  '),
  );
}
process.stdout.write(rows.join('\n') + '\n');
