import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testModelPair } from '@specsteer/llama/testing';
import { PROTOCOL_VERSION } from '@specsteer/protocol';

const pair = testModelPair();
const BIN = fileURLToPath(new URL('../bin/specsteer.mjs', import.meta.url));
const CANARY = 'CANARY-lockercode-5821QX';
const dir = mkdtempSync(join(tmpdir(), 'specsteer-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, INIT_CWD: dir, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const STATUS_LINE = /^specsteer: [A-Z][A-Z0-9_]*: \S.*$/;

/** Every error is one line `specsteer: CODE: message`, the code not repeated. */
function expectOneError(stderr: string, code: string): string {
  const line = stderr.trim().split('\n').at(-1)!;
  expect(line).toMatch(STATUS_LINE);
  expect(line.startsWith(`specsteer: ${code}: `), line).toBe(true);
  expect(line).not.toContain(`${code}: ${code}`);
  return line;
}

describe('specsteer CLI', () => {
  it('explains a bad command line and exits with status 2', async () => {
    const { status, stderr } = await runCli(['generate', '--k', '0']);
    expect(status).toBe(2);
    expect(expectOneError(stderr, 'USAGE')).toMatch(/--prompt is required|--k/);
  });

  it('prints its version and the protocol it speaks', async () => {
    const { status, stdout } = await runCli(['--version']);
    expect(status).toBe(0);
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(stdout.trim()).toBe(`specsteer ${version} (protocol ${PROTOCOL_VERSION})`);
  });

  it('reports an unknown command in the one error format, status 2', async () => {
    const { status, stderr } = await runCli(['genrate']);
    expect(status).toBe(2);
    expect(expectOneError(stderr, 'USAGE')).toContain('unknown command "genrate"');
  });

  it('refuses a binary history file with a clear message, status 2', async () => {
    writeFileSync(join(dir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    const { status, stderr } = await runCli([
      'generate',
      '--prompt',
      'hi',
      '--history',
      'photo.png',
    ]);
    expect(status).toBe(2);
    expect(expectOneError(stderr, 'HISTORY_NOT_TEXT')).toContain('is not a text file');
  });

  it('names the flag that gave a bad model file, not an environment variable', async () => {
    const { status, stderr } = await runCli(['generate', '--prompt', 'hi', '--small-model', dir]);
    expect(status).toBe(2);
    const line = expectOneError(stderr, 'MODEL_INVALID');
    expect(line).toContain(`--small-model ${dir}: `);
    expect(line).not.toContain('SPECSTEER_');
  });

  it.skipIf(pair === null)('names --large-model for a bad embedded target, status 2', async () => {
    const { status, stderr } = await runCli(['generate', '--prompt', 'hi', '--large-model', dir]);
    expect(status).toBe(2);
    expect(expectOneError(stderr, 'MODEL_INVALID')).toContain(`--large-model ${dir}: `);
  });

  it.skipIf(pair === null)(
    'tells a server that is not a SpecSteer endpoint from one that is down, status 3',
    async () => {
      const web = createServer((_request, response) => response.writeHead(404).end());
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      const port = (web.address() as AddressInfo).port;
      try {
        const notOurs = await runCli([
          'generate',
          '--prompt',
          'hi',
          '--server',
          `http://127.0.0.1:${port}`,
        ]);
        expect(notOurs.status).toBe(3);
        expect(expectOneError(notOurs.stderr, 'NOT_SPECSTEER')).toContain('HTTP 404');
      } finally {
        await new Promise((resolve) => web.close(resolve));
      }
      const down = await runCli([
        'generate',
        '--prompt',
        'hi',
        '--server',
        `ws://127.0.0.1:${port}`,
      ]);
      expect(down.status).toBe(3);
      expectOneError(down.stderr, 'CONNECTION_REFUSED');
    },
  );

  it.skipIf(pair === null)(
    'never prints a chat marker inside the answer (seed 3 at temperature 1.5 sampled <|assistant|>)',
    async () => {
      const { status, stdout, stderr } = await runCli([
        'generate',
        '--prompt',
        'hello',
        '--seed',
        '3',
        '--temperature',
        '1.5',
        '--max-tokens',
        '64',
      ]);
      expect(status, stderr).toBe(0);
      expect(stdout).not.toMatch(/<\|[a-z]+\|>/);
    },
  );

  it.skipIf(pair === null)(
    'generates end to end with the embedded verifier, prints the summary, and keeps the history private',
    async () => {
      const historyPath = join(dir, 'history.txt');
      writeFileSync(
        historyPath,
        [
          // Far more history than the small model's context holds: retrieval picks what fits.
          ...Array.from(
            { length: 150 },
            (_, i) => `Old note ${i}: spent the afternoon dounying on the edge of Noyex again.`,
          ),
          'Mepei folks! Nybu slept on my notes all morning. Mind the mumur. Brimex, Drysyrk',
          `Note to self: the locker code is ${CANARY}.`,
        ].join('\n'),
      );
      const { status, stdout, stderr } = await runCli([
        'generate',
        '--history',
        'history.txt', // relative to INIT_CWD, as when run through pnpm
        '--prompt',
        'Drop Shaplurk a line about the capital of Plibreisk.',
        '--max-tokens',
        '8',
        '--seed',
        '3',
        '--small-model',
        pair!.referencePath,
        '--large-model',
        pair!.targetPath,
        '--trace-frames',
        'frames.jsonl',
        '--log-level',
        'debug', // every server log line, checked for the canary below
        '--top-k',
        '200', // above the verifier's limit: lowered, with a notice
      ]);
      expect(status, stderr).toBe(0);
      expect(stderr).toMatch(
        /^specsteer: note: --top-k 200 is above this verifier's top-K limit; using \d+$/m,
      );
      const [, used] = /history: (\d+) of 152 messages in the device context/.exec(stderr) ?? [];
      expect(Number(used)).toBeGreaterThan(2);
      expect(Number(used)).toBeLessThan(152);
      expect(stdout).toMatch(
        /tokens \d+ · rounds \d+ · acceptance \d+\.\d% \(accepted \d+, corrected \d+, steered \d+\) · generation [\d.]+ s = [\d.]+ tokens\/s \(prefill, handshake, rounds\) · start-up [\d.]+ s \(models, verifier\)/,
      );
      expect(stdout).toContain('[corrected]'); // the legend, plain markers without a TTY
      const frames = readFileSync(join(dir, 'frames.jsonl'), 'utf8').trim().split('\n');
      const sent = frames.map(
        (line) => JSON.parse(line) as { direction: string; message: { type: string } },
      );
      expect(sent.filter((f) => f.direction === 'sent').map((f) => f.message.type)).toEqual(
        expect.arrayContaining(['hello', 'open', 'draft']),
      );
      const welcome = sent.find((f) => f.message.type === 'welcome')!.message as unknown as {
        limits: { maxTopK: number };
      };
      const open = sent.find((f) => f.message.type === 'open')!.message as unknown as {
        sampling: { topK: number; stopTokens: number[] };
      };
      expect(open.sampling.topK).toBe(welcome.limits.maxTopK);
      // Every chat marker of the template ends the answer (<|end|> and the four turn markers).
      expect(open.sampling.stopTokens).toHaveLength(5);
      for (const [where, text] of [
        ['stdout', stdout],
        ['server logs', stderr],
        ['frames', frames.join('\n')],
      ] as const) {
        expect(text, where).not.toContain('CANARY');
        expect(text, where).not.toContain('locker code');
      }
    },
  );
});
