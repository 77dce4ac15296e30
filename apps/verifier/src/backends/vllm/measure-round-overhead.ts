// The verifier's own cost per round on the vLLM backend, without any model:
// two loopback HTTP servers (in a child process, so their work is not
// counted) answer every scoring request at once with a vLLM-shaped body for
// the sequence, and a round is one target request (the device computes s).
// The second server stands for a replica behind the same verifier process. What remains is HTTP, reading the body and
// building the PositionScores: the overhead the verifier adds on top of
// vLLM's own latency. CPU time is reported next to wall time because the
// build machines are shared (wall time there says more about the neighbours).
//
//   pnpm exec tsx apps/verifier/src/backends/vllm/measure-round-overhead.ts
//
// Prints, per sequence length (k = 8, K = 20, 200 rounds each), wall p50/p99
// and the verifier process's CPU milliseconds per round.

import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VllmClient } from './vllm-client.ts';
import { VllmScorer } from './vllm-scorer.ts';
import { syntheticScoringBody } from './synthetic-scoring-body.ts';

const K = 20;
const DRAFT = 8;
const ROUNDS = 200;

/** Child mode: serve `body` for sequence length argv[3] on two ports, print them, wait. */
async function serveCanned(n: number): Promise<void> {
  const body = syntheticScoringBody(
    Array.from({ length: n }, (_, i) => (i * 7919) % 4000),
    K,
  );
  const urls: string[] = [];
  for (let i = 0; i < 2; i++) {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  process.send!({ urls, bytes: body.length });
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(): Promise<void> {
  const rows = ['tokens  body_KiB  wall_p50_ms  wall_p99_ms  cpu_ms_per_round'];
  for (const n of [64, 256, 1024, 2048]) {
    const child = fork(new URL(import.meta.url).pathname, ['serve', String(n)], {
      execArgv: process.execArgv,
    });
    const { urls, bytes } = await new Promise<{ urls: string[]; bytes: number }>((resolve) =>
      child.once('message', (message) => resolve(message as { urls: string[]; bytes: number })),
    );
    const tokens = Array.from({ length: n }, (_, i) => (i * 7919) % 4000);
    const scorers = urls.map(
      (url) =>
        new VllmScorer({
          client: new VllmClient({
            role: 'target',
            baseUrl: url,
            timeoutMs: 30_000,
          }),
          model: 'm',
          vocabSize: 8192,
          maxTopK: K,
        }),
    );
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      await Promise.all(
        scorers.map((scorer) => scorer.score(tokens, n - DRAFT, { topK: K, temperature: 1 })),
      );
      times.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    child.kill();
    times.sort((a, b) => a - b);
    rows.push(
      [
        String(n).padStart(6),
        (bytes / 1024).toFixed(0).padStart(8),
        percentile(times, 0.5).toFixed(2).padStart(11),
        percentile(times, 0.99).toFixed(2).padStart(11),
        ((cpu.user + cpu.system) / 1000 / ROUNDS).toFixed(2).padStart(16),
      ].join('  '),
    );
  }
  process.stdout.write(rows.join('\n') + '\n');
}

if (process.argv[2] === 'serve') await serveCanned(Number(process.argv[3]));
else await measure();
