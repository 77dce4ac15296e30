// Load on the whole verifier (app + WebSocket + conversation + backend), as
// devices see it: N sessions at once, each on its own connection, R rounds of
// k draft tokens each, against a verifier in its own process (bench-server.ts).
// Per round it records the device's round trip and the scoring time the
// server reports in the verdict (target and reference, run concurrently); the
// difference is the verifier's own overhead outside the model calls: framing,
// JSON, schema, ratio test, correction, event-loop queueing, and loopback.
//
//   pnpm --filter @specsteer/verifier exec tsx bench/verifier-load-bench.ts \
//     [--backend llamacpp|table] [--sessions 1,8,32,64,200] [--rounds 50] [--k 8]
//
// llamacpp uses the model pair of models/ (else data/interim/, else the
// SPECSTEER_{TARGET,REFERENCE}_MODEL_PATH variables). The synthetic device
// drafts k tokens from a seeded stream and commits the cloud's first choice
// from each correction: scoring k + 1 new positions costs the same whatever
// is accepted, so the latency is the one a real device sees; acceptance is
// not measured here (that is the benchmark harness's job).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION, parseServerFrame, type ServerMessage } from '@specsteer/protocol';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'llamacpp' },
    sessions: { type: 'string', default: '1,8,32,64,200' },
    rounds: { type: 'string', default: '50' },
    k: { type: 'string', default: '8' },
    'top-k': { type: 'string', default: '8' },
    'max-contexts': { type: 'string' },
    'sequences-per-context': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const k = Number(values.k);
const topK = Number(values['top-k']);
const sessionCounts = values.sessions.split(',').map(Number);

interface ServerInfo {
  url: string;
  http: string;
  backend: string;
  model: { target: string };
  vocabSize: number;
  fingerprint: string;
}

function startServer(): Promise<{ info: ServerInfo; stop: () => Promise<void> }> {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(new URL('./bench-server.ts', import.meta.url)),
    '--backend',
    values.backend,
    '--max-draft-tokens',
    String(Math.max(16, k)),
  ];
  for (const option of ['max-contexts', 'sequences-per-context'] as const) {
    if (values[option] !== undefined) args.push(`--${option}`, values[option]);
  }
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

/** A device that speaks the protocol directly and times every round. */
class SyntheticDevice {
  private readonly inbox: ServerMessage[] = [];
  private wake: (() => void) | null = null;
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const parsed = parseServerFrame(data.toString('utf8'));
      if (!parsed.ok) throw new Error(`invalid frame from the verifier: ${parsed.error.message}`);
      this.inbox.push(parsed.message);
      this.wake?.();
    });
  }

  static open(url: string): Promise<SyntheticDevice> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new SyntheticDevice(socket)));
      socket.once('error', reject);
    });
  }

  async request(message: object): Promise<ServerMessage> {
    this.socket.send(JSON.stringify(message));
    while (this.inbox.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    const reply = this.inbox.shift()!;
    if (reply.type === 'error') throw new Error(`${reply.code}: ${reply.message}`);
    return reply;
  }

  close(): void {
    this.socket.close();
  }
}

interface RoundSample {
  roundTripMs: number;
  scoreMs: number;
}

/** Drafts sent and verdicts received, per session and round: each draft must be answered exactly once. */
const answers = new Map<string, number>();
let draftsSent = 0;

async function runSession(
  server: ServerInfo,
  index: number,
  samples: RoundSample[],
  allOpen: Promise<void>,
  opened: () => void,
) {
  const device = await SyntheticDevice.open(server.url);
  let state = (index * 2654435761) >>> 0;
  const nextToken = () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    return 3 + (state % (server.vocabSize - 3));
  };
  const sessionId = `bench-${index}`;
  try {
    const welcome = await device.request({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      tokenizerFingerprint: server.fingerprint,
    });
    if (welcome.type !== 'welcome') throw new Error('no welcome');
    const maxTokens = welcome.limits.maxTokens;
    await device.request({
      type: 'open',
      sessionId,
      prompt: {
        messages: [
          {
            role: 'user',
            content: `Write a note to the team about the capital of Varnia, number ${index}.`,
          },
        ],
      },
      sampling: { temperature: 1, seed: index, topK, maxTokens, stopTokens: [] },
    });
    // No session drafts before every session is open: they are all held at once.
    opened();
    await allOpen;
    // The device keeps none of its draft and commits argmax p at the first position (a worst case).
    let committed: number[] | undefined;
    let output = 0;
    for (let round = 0; round < rounds; round++) {
      const room = maxTokens - output - (committed?.length ?? 0);
      const draft = Array.from({ length: Math.max(0, Math.min(k, room)) }, nextToken);
      const sent = performance.now();
      draftsSent++;
      const verdict = await device.request({
        type: 'draft',
        sessionId,
        round,
        ...(committed !== undefined && { committed }),
        tokens: draft,
      });
      const roundTripMs = performance.now() - sent;
      if (verdict.type !== 'verdict') throw new Error(`expected a verdict, got ${verdict.type}`);
      const answered = `${verdict.sessionId}/${verdict.round}`;
      answers.set(answered, (answers.get(answered) ?? 0) + 1);
      samples.push({ roundTripMs, scoreMs: verdict.timing?.scoreMs ?? 0 });
      output = verdict.committedTokens;
      if (verdict.corrections === null) break; // finished: maxTokens reached
      const { ids, logprobs } = verdict.corrections[0]!;
      let best = 0;
      logprobs.forEach((logprob, j) => {
        if (logprob !== null && logprob > (logprobs[best] ?? -Infinity)) best = j;
      });
      committed = [ids[best]!];
    }
    await device.request({ type: 'close', sessionId });
  } finally {
    device.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The server's own process metrics: CPU seconds so far (models included), resident and heap MiB. */
async function serverProcess(
  http: string,
): Promise<{ cpuSeconds: number; rssMiB: number; heapMiB: number }> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    cpuSeconds: read('specsteer_process_cpu_seconds_total'),
    rssMiB: read('specsteer_process_resident_memory_bytes') / 2 ** 20,
    heapMiB: read('specsteer_nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

const { info, stop } = await startServer();
try {
  console.log(
    `verifier: ${info.backend} (${info.model.target}), vocab ${info.vocabSize}; ` +
      `devices: k = ${k}, top-K = ${topK}, ${rounds} rounds per session, one connection each`,
  );
  console.log(
    // Wall times depend on whatever else the machine runs; the server's CPU time per round much less.
    'sessions | rounds/s | round trip p50 / p99 ms | scoring p50 / p99 ms | overhead p50 / p99 ms | server CPU ms/round | server RSS before / peak / after MiB | drafts answered once',
  );
  for (const sessions of sessionCounts) {
    const samples: RoundSample[] = [];
    let openCount = 0;
    let release!: () => void;
    const allOpen = new Promise<void>((resolve) => (release = resolve));
    const opened = () => {
      if (++openCount === sessions) release();
    };
    answers.clear();
    draftsSent = 0;
    const before = await serverProcess(info.http);
    let peakRss = before.rssMiB;
    const sampler = setInterval(() => {
      void serverProcess(info.http).then((now) => (peakRss = Math.max(peakRss, now.rssMiB)));
    }, 500);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: sessions }, (_, i) => runSession(info, i, samples, allOpen, opened)),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    // After: every connection closed and a moment to settle.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await serverProcess(info.http);
    peakRss = Math.max(peakRss, after.rssMiB);
    const once = [...answers.values()].every((n) => n === 1) && answers.size === draftsSent;
    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const roundTrips = sorted(samples.map((s) => s.roundTripMs));
    const scores = sorted(samples.map((s) => s.scoreMs));
    const overheads = sorted(samples.map((s) => s.roundTripMs - s.scoreMs));
    const f = (n: number) => n.toFixed(1).padStart(6);
    console.log(
      `${String(sessions).padStart(8)} | ${String(Math.round(samples.length / seconds)).padStart(8)} | ` +
        `${f(percentile(roundTrips, 50))} / ${f(percentile(roundTrips, 99))}        | ` +
        `${f(percentile(scores, 50))} / ${f(percentile(scores, 99))}     | ` +
        `${f(percentile(overheads, 50))} / ${f(percentile(overheads, 99))}      | ` +
        `${f(((after.cpuSeconds - before.cpuSeconds) * 1000) / samples.length)}              | ` +
        `${before.rssMiB.toFixed(0)} / ${peakRss.toFixed(0)} / ${after.rssMiB.toFixed(0)}              | ` +
        `${once ? 'yes' : 'NO'} (${answers.size} of ${draftsSent})`,
    );
  }
} finally {
  await stop();
}
