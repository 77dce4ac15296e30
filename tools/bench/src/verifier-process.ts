// The real verifier app as a child process on the embedded llama.cpp backend,
// on a free loopback port: the benchmark talks to it over a real WebSocket,
// like a device talks to a deployment. Tools never import apps: it is started
// from its own entry point (apps/verifier/src/server.ts) with node --import tsx.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERIFIER_ENTRY = fileURLToPath(
  new URL('../../../apps/verifier/src/server.ts', import.meta.url),
);

export interface VerifierProcess {
  /** ws:// URL of its protocol socket. */
  url: string;
  /** Last lines of its output, for error messages. */
  log(): string;
  close(): Promise<void>;
}

export interface VerifierProcessOptions {
  targetPath: string;
  contextSize: number;
  /** The most draft tokens and top-K the verifier announces (sweeps go past the defaults). */
  maxDraftTokens: number;
  maxTopK: number;
  startTimeoutMs?: number;
}

export async function startVerifier(options: VerifierProcessOptions): Promise<VerifierProcess> {
  if (!existsSync(VERIFIER_ENTRY)) throw new Error(`no verifier entry point at ${VERIFIER_ENTRY}`);
  const port = await freeLoopbackPort();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SPECSTEER_')) env[key] = value;
  }
  Object.assign(env, {
    SPECSTEER_HOST: '127.0.0.1',
    SPECSTEER_PORT: String(port),
    SPECSTEER_BACKEND: 'llamacpp',
    SPECSTEER_TARGET_MODEL_PATH: options.targetPath,
    SPECSTEER_LLAMACPP_CONTEXT_SIZE: String(options.contextSize),
    SPECSTEER_LOG_LEVEL: 'warn',
    SPECSTEER_MAX_DRAFT_TOKENS: String(options.maxDraftTokens),
    SPECSTEER_MAX_TOP_K: String(options.maxTopK),
    // One device runs thousands of sessions back to back: lift the per-address budgets
    // (token fusion at RTT 0 sends hundreds of rounds a second).
    SPECSTEER_ROUNDS_PER_SECOND: '1000000',
    SPECSTEER_RATE_LIMIT_BURST: '1000000',
    SPECSTEER_OPENS_PER_SECOND: '100000',
    SPECSTEER_OPEN_BURST: '100000',
  });
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), VERIFIER_ENTRY], {
    cwd: dirname(dirname(VERIFIER_ENTRY)),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  try {
    await waitUntilReady(port, exited, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await stop(child, exited);
    throw new Error(`${(error as Error).message}\n${lines.join('\n')}`, { cause: error });
  }
  return {
    url: `ws://127.0.0.1:${port}/v1/ws`,
    log: () => lines.join('\n'),
    close: () => stop(child, exited),
  };
}

async function waitUntilReady(
  port: number,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`the verifier exited with status ${exitCode} before it was ready`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the verifier was not ready within ${timeoutMs / 1000} s`);
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
