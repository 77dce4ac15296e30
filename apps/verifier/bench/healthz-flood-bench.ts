// How well the verifier keeps answering while devices send it the most
// expensive frames the protocol lets through: /healthz latency (p50/p99/max)
// under a flood of worst-case frames from several sockets, against a verifier
// in its own process with its default limits (bench-server.ts --limits default).
// A benchmark, not a test: it prints numbers. Goal: p99 under 50 ms.
//
//   pnpm --filter @specsteer/verifier bench:flood -- --seconds 10 --flooders 8 [--backend table]

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@specsteer/protocol';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'llamacpp' },
    seconds: { type: 'string', default: '10' },
    flooders: { type: 'string', default: '8' },
    'frame-bytes': { type: 'string', default: String(1024 * 1024) },
  },
});
const seconds = Number(values.seconds);
const flooderCount = Number(values.flooders);
const frameBytes = Number(values['frame-bytes']);

interface ServerInfo {
  url: string;
  http: string;
  fingerprint: string;
}

function startServer(): Promise<{ info: ServerInfo; stop: () => Promise<void> }> {
  const server = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
  const args = ['--import', 'tsx', server, '--backend', values.backend, '--limits', 'default'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve({
        info: JSON.parse(line) as ServerInfo,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      }),
    );
  });
}

/** The worst frames within the limit: each costs the server as much as a frame can. */
function worstFrames(): { name: string; text: string }[] {
  const sampling = { temperature: 1, seed: 1, topK: 8, maxTokens: 64, stopTokens: [] };
  const depth = Math.floor((frameBytes - 64) / 2);
  const chars = frameBytes - 256;
  const perMessage = Math.floor(chars / 256) - 32;
  return [
    {
      name: 'deep nesting',
      text: `{"type":"ping","x":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    },
    {
      name: 'one 1 MiB chat message',
      text: JSON.stringify({
        type: 'open',
        sessionId: 'flood',
        prompt: { messages: [{ role: 'user', content: 'w'.repeat(Math.min(chars, 65_536)) }] },
        sampling,
      }),
    },
    {
      name: '256 chat messages',
      text: JSON.stringify({
        type: 'open',
        sessionId: 'flood',
        prompt: {
          messages: Array.from({ length: 256 }, () => ({
            role: 'user',
            content: 'word '.repeat(Math.floor(perMessage / 5)),
          })),
        },
        sampling,
      }),
    },
    {
      name: 'a 1 MiB string in an unknown field',
      text: JSON.stringify({ type: 'ping', nonce: 'n', x: 'z'.repeat(chars) }),
    },
    {
      name: 'a long list of numbers',
      text: `{"type":"draft","sessionId":"flood","round":0,"tokens":[${Array.from({ length: Math.floor(chars / 2) }, () => '1').join(',')}]}`,
    },
  ];
}

/** One flooding socket: hello, then worst frames back to back, reconnecting whenever the server closes it. */
async function flood(info: ServerInfo, until: number, counts: Map<string, number>): Promise<void> {
  const frames = worstFrames();
  let i = Math.floor(Math.random() * frames.length);
  while (performance.now() < until) {
    const socket = new WebSocket(info.url);
    const opened = await new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('unexpected-response', () => resolve(false));
    });
    if (!opened) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    await new Promise<void>((resolve) => {
      let waiting: (() => void) | null = null;
      socket.on('message', (data) => {
        const type = (JSON.parse(data.toString()) as { type: string; code?: string }).type;
        counts.set(type, (counts.get(type) ?? 0) + 1);
        waiting?.();
      });
      socket.once('close', () => {
        waiting?.();
        resolve();
      });
      const answered = () => new Promise<void>((done) => (waiting = done));
      void (async () => {
        socket.send(
          JSON.stringify({
            type: 'hello',
            protocolVersion: PROTOCOL_VERSION,
            tokenizerFingerprint: info.fingerprint,
          }),
        );
        await answered();
        while (socket.readyState === WebSocket.OPEN && performance.now() < until) {
          const frame = frames[i++ % frames.length]!;
          counts.set(`sent: ${frame.name}`, (counts.get(`sent: ${frame.name}`) ?? 0) + 1);
          socket.send(frame.text);
          await answered();
        }
        socket.close();
      })();
    });
  }
}

async function probeHealth(http: string, until: number): Promise<number[]> {
  const latencies: number[] = [];
  while (performance.now() < until) {
    const start = performance.now();
    const response = await fetch(`${http}/healthz`);
    await response.text();
    latencies.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function report(label: string, latencies: number[]): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(1);
  console.log(
    `${label}: /healthz p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1) ?? NaN)} ms (${sorted.length} probes)`,
  );
}

const { info, stop } = await startServer();
try {
  report('idle', await probeHealth(info.http, performance.now() + 2_000));
  const until = performance.now() + seconds * 1000;
  const counts = new Map<string, number>();
  const [latencies] = await Promise.all([
    probeHealth(info.http, until),
    ...Array.from({ length: flooderCount }, () => flood(info, until, counts)),
  ]);
  report(
    `flood (${flooderCount} sockets, ${values.backend}, ${frameBytes}-byte frames)`,
    latencies,
  );
  console.log(
    [...counts]
      .sort()
      .map(([k, n]) => `  ${k}: ${n}`)
      .join('\n'),
  );
} finally {
  await stop();
}
