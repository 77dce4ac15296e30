import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { hello, opened } from './support/handshake.ts';
import { RawDevice } from './support/raw-device.ts';

// server.ts as an operator runs it: a real process, configured by the
// environment, on the default (embedded llama.cpp) backend, stopped by SIGTERM.

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const pair = testModelPair();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { PATH: process.env.PATH ?? '', SPECSTEER_HOST: '127.0.0.1', SPECSTEER_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stdout: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      stdout.push(line);
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // tests that expect an early exit never await it
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, listening, exited, stdout, stderr: () => stderr };
}

describe('the server process', () => {
  it('refuses to start on a bad variable, naming it, with exit code 78', async () => {
    const server = startServer({ SPECSTEER_MAX_DRAFT_TOKENS: 'lots' });
    expect(await server.exited).toBe(78);
    expect(server.stderr()).toContain('SPECSTEER_MAX_DRAFT_TOKENS');
  });

  it('reports an unknown SPECSTEER_ variable at start, with the name it was probably meant to be', async () => {
    const server = startServer({
      SPECSTEER_MAX_DRAFT_TOKEN: '3',
      SPECSTEER_MAX_DRAFT_TOKENS: 'lots', // then stops, so the test does not load the models
    });
    expect(await server.exited).toBe(78);
    expect(server.stderr()).toContain(
      'SPECSTEER_MAX_DRAFT_TOKEN is not a verifier variable and is ignored; did you mean SPECSTEER_MAX_DRAFT_TOKENS?',
    );
  });

  it('stops at once, before loading any model, when its port is taken — one plain line, no stack', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const server = startServer({ SPECSTEER_PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.stderr()).toBe(
        `specsteer-verifier: 127.0.0.1:${port} is in use by another process; stop it or set SPECSTEER_PORT\n`,
      );
      expect(server.stdout.join('\n')).not.toContain('backend ready');
    } finally {
      taken.close();
    }
  });

  it('refuses to start when a model file is missing, naming the variable', async () => {
    const server = startServer({ SPECSTEER_TARGET_MODEL_PATH: '/nowhere/large.gguf' });
    expect(await server.exited).toBe(78);
    expect(server.stderr()).toContain('SPECSTEER_TARGET_MODEL_PATH');
  });

  it.skipIf(pair === null)(
    `serves the embedded backend, then drains on SIGTERM: open sessions get SERVER_SHUTTING_DOWN, exit 0${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
    async () => {
      const server = startServer({
        SPECSTEER_TARGET_MODEL_PATH: pair!.targetPath,
        SPECSTEER_REFERENCE_MODEL_PATH: pair!.referencePath,
      });
      const base = await server.listening;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const welcome = await (async () => {
        const device = await RawDevice.connect(`${base.replace('http', 'ws')}/v1/ws`);
        // The fingerprint is announced only after a matching hello; ask with a wrong one to learn nothing.
        return { device, refusal: await device.request(hello('0000000000000000')) };
      })();
      expect(welcome.refusal).toMatchObject({ type: 'error', code: 'TOKENIZER_MISMATCH' });
      const fingerprint = (welcome.refusal as unknown as { data: { server: string } }).data.server;
      const device = await RawDevice.connect(`${base.replace('http', 'ws')}/v1/ws`);
      expect((await device.request(hello(fingerprint))).type).toBe('welcome');
      expect((await opened(device, 'a')).type).toBe('opened');
      expect(
        await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [5, 6, 7] }),
      ).toMatchObject({ type: 'verdict' });

      server.child.kill('SIGTERM');
      expect(await device.next()).toMatchObject({
        type: 'closed',
        sessionId: 'a',
        reason: 'shutting_down',
      });
      expect(await device.next()).toMatchObject({ type: 'error', code: 'SERVER_SHUTTING_DOWN' });
      expect((await device.closed).code).toBe(1001);
      expect(await server.exited).toBe(0);
      const logs = server.stdout.join('\n');
      expect(logs).toContain('backend ready');
      expect(logs).toContain('connections drained');
    },
  );
});
