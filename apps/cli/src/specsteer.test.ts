import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testModelPair } from '@specsteer/llama/testing';

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

describe('specsteer CLI', () => {
  it('explains a bad command line and exits with status 2', async () => {
    const { status, stderr } = await runCli(['generate', '--k', '0']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/--prompt is required|--k/);
  });

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
      ]);
      expect(status, stderr).toBe(0);
      const [, used] = /history: (\d+) of 152 messages in the device context/.exec(stderr) ?? [];
      expect(Number(used)).toBeGreaterThan(2);
      expect(Number(used)).toBeLessThan(152);
      expect(stdout).toMatch(
        /tokens \d+ · rounds \d+ · acceptance \d+\.\d% \(accepted \d+, corrected \d+, steered \d+\) · [\d.]+ tokens\/s/,
      );
      expect(stdout).toContain('[corrected]'); // the legend, plain markers without a TTY
      const frames = readFileSync(join(dir, 'frames.jsonl'), 'utf8').trim().split('\n');
      const sent = frames.map(
        (line) => JSON.parse(line) as { direction: string; message: { type: string } },
      );
      expect(sent.filter((f) => f.direction === 'sent').map((f) => f.message.type)).toEqual(
        expect.arrayContaining(['hello', 'open', 'draft']),
      );
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
