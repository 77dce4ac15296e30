import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { testModelPair } from '@specsteer/llama/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedVerifier, type EmbeddedVerifier } from './embedded-verifier.ts';
import { generate } from './generate.ts';
import { parseGenerateArgs } from './parse-generate-args.ts';

const pair = testModelPair();

describe.skipIf(pair === null)('generate against a running verifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specsteer-generate-'));
  let verifier: EmbeddedVerifier;
  beforeAll(async () => {
    verifier = await startEmbeddedVerifier({
      targetPath: pair!.targetPath,
      logLevel: 'error',
      logStream: process.stderr,
    });
  });
  afterAll(async () => {
    await verifier?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams the answer as tokens are committed, to a server URL given without its path', async () => {
    const tracePath = join(dir, 'frames.jsonl');
    const verdictsSoFar = () =>
      readFileSync(tracePath, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"type":"verdict"')).length;
    // For each write to stdout: how many verdicts had arrived when it was written.
    const writes: { text: string; verdicts: number }[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push({ text: chunk.toString(), verdicts: verdictsSoFar() });
        done();
      },
    });
    const { port } = new URL(verifier.url);
    const args = parseGenerateArgs([
      '--prompt',
      'Draft a short note for the team on the language of Brydound.',
      '--server',
      `ws://127.0.0.1:${port}`, // no /v1/ws: the CLI adds it
      '--seed',
      '7',
      '--k',
      '4',
      '--small-model',
      pair!.referencePath,
      '--trace-frames',
      tracePath,
      '--no-color',
    ]);
    const result = await generate(args, { stdout, stderr: process.stderr, env: {}, cwd: dir });

    const verdicts = verdictsSoFar();
    expect(result.metrics.rounds).toBeGreaterThan(1);
    const answerWrites = writes.filter((w) => !w.text.includes('accepted = '));
    // The first words were on stdout before the last verdict arrived: streamed, not printed at the end.
    expect(answerWrites[0]!.verdicts).toBeLessThan(verdicts);
    expect(new Set(answerWrites.map((w) => w.verdicts)).size).toBeGreaterThan(1);
  });
});
