import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUsageError } from './cli-usage-error.ts';

/** The verifier's own entry point in this workspace (the CLI never imports the verifier app). */
export const VERIFIER_ENTRY = fileURLToPath(
  new URL('../../verifier/src/server.ts', import.meta.url),
);

/** The protocol endpoint's path on every SpecSteer verifier. */
export const VERIFIER_SOCKET_PATH = '/v1/ws';

export interface EmbeddedVerifierOptions {
  targetPath: string;
  logLevel: string;
  /** Where the verifier's logs go (the CLI: stderr). */
  logStream: NodeJS.WritableStream;
  /** How long the verifier may take to load its models and answer /readyz. */
  startTimeoutMs?: number;
}

export interface EmbeddedVerifier {
  /** ws:// URL of the verifier's socket on 127.0.0.1. */
  url: string;
  close(): Promise<void>;
}

/**
 * The whole verifier (its own entry point, server.ts) as a child process on
 * the embedded llama.cpp backend, listening on a free loopback port: so one
 * command works on a fresh machine, and the CLI still speaks the real
 * protocol over a socket. Settings come only from here, never from the
 * caller's SPECSTEER_* environment (that would be the CLI's flags' business).
 */
export async function startEmbeddedVerifier(
  options: EmbeddedVerifierOptions,
): Promise<EmbeddedVerifier> {
  if (!existsSync(VERIFIER_ENTRY)) {
    throw new CliUsageError(
      `no local verifier at ${VERIFIER_ENTRY}: pass --server with a running verifier's URL`,
    );
  }
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
    SPECSTEER_LOG_LEVEL: options.logLevel,
  });
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), VERIFIER_ENTRY], {
    cwd: dirname(dirname(VERIFIER_ENTRY)),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(options.logStream, { end: false });
  child.stderr!.pipe(options.logStream, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });

  try {
    await waitUntilReady(port, exited, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await stop(child, exited);
    throw error;
  }
  return {
    url: `ws://127.0.0.1:${port}${VERIFIER_SOCKET_PATH}`,
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
      throw new Error(`the local verifier exited with status ${exitCode} before it was ready`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the local verifier was not ready within ${timeoutMs / 1000} s`);
}

/** SIGTERM drains the verifier (server.ts); wait for it so no child outlives the CLI. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

/** A port the kernel just handed out on 127.0.0.1 (free unless someone takes it in between). */
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
