// The verifier's own cost per round on the vLLM backend, without any model:
// two loopback HTTP servers answer every scoring request at once with a
// vLLM-shaped body for the sequence, and a round is the target and reference
// requests together (as the conversation runs them). What remains is HTTP,
// reading the body and building the PositionScores: the overhead the verifier
// adds on top of vLLM's own latency.
//
//   pnpm exec tsx apps/verifier/src/backends/vllm/measure-round-overhead.ts
//
// Prints p50/p99 per sequence length for k = 8, K = 20 (200 rounds each).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VllmClient } from './vllm-client.ts';
import { VllmScorer } from './vllm-scorer.ts';

const K = 20;
const DRAFT = 8;
const ROUNDS = 200;

function vllmBody(tokens: number[]): string {
  const entries = ['null'];
  for (let j = 1; j < tokens.length; j++) {
    const fields = [`"${tokens[j]}":{"logprob":-3.2109876,"rank":27,"decoded_token":" word"}`];
    for (let r = 1; r <= K; r++) {
      fields.push(
        `"${5000 + r}":{"logprob":${(-0.1 * r).toFixed(7)},"rank":${r},"decoded_token":" w${r}"}`,
      );
    }
    entries.push(`{${fields.join(',')}}`);
  }
  const top = Array.from(
    { length: K },
    (_, r) => `"token_id:${5001 + r}":${(-0.1 * (r + 1)).toFixed(7)}`,
  );
  return (
    `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x",` +
    `"logprobs":{"text_offset":[0],"token_logprobs":[-0.1],"tokens":["token_id:5001"],"top_logprobs":[{${top.join(',')}}]},` +
    `"finish_reason":"length","stop_reason":null,"prompt_logprobs":[${entries.join(',')}]}],` +
    `"usage":{"prompt_tokens":${tokens.length},"total_tokens":${tokens.length + 1},"completion_tokens":1}}`
  );
}

async function cannedServer(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const rows = ['tokens  body_KiB  p50_ms  p99_ms'];
for (const n of [64, 256, 1024, 2048]) {
  const tokens = Array.from({ length: n }, (_, i) => (i * 7919) % 4000);
  const body = vllmBody(tokens);
  const servers = await Promise.all([cannedServer(body), cannedServer(body)]);
  const scorers = servers.map(
    ({ url }, i) =>
      new VllmScorer({
        client: new VllmClient({
          role: i === 0 ? 'target' : 'reference',
          baseUrl: url,
          timeoutMs: 10_000,
        }),
        model: 'm',
        vocabSize: 8192,
        maxTopK: K,
      }),
  );
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await Promise.all(scorers.map((scorer) => scorer.score(tokens, n - DRAFT, K)));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  rows.push(
    [
      String(n).padStart(6),
      (body.length / 1024).toFixed(0).padStart(8),
      percentile(times, 0.5).toFixed(2).padStart(6),
      percentile(times, 0.99).toFixed(2).padStart(6),
    ].join('  '),
  );
  for (const { server } of servers) server.close();
}
process.stdout.write(rows.join('\n') + '\n');
