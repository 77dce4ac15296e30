import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvalSplit, writePersonaWorld } from './node.ts';
import { generatePersonaWorld } from './generate.ts';
import { PersonaWorldError } from './errors.ts';

const out = mkdtempSync(join(tmpdir(), 'personaworld-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('writePersonaWorld', () => {
  it('writes the five files with counts in the header that match the files', () => {
    const header = writePersonaWorld({ seed: 3, out, evalTasks: 12, targetBytes: 20_000 });
    expect(readdirSync(out).sort()).toEqual([
      'eval.jsonl',
      'header.json',
      'train-large.jsonl',
      'train-small.jsonl',
      'world.jsonl',
    ]);
    const lines = (file: string) =>
      readFileSync(join(out, file), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(JSON.parse(readFileSync(join(out, 'header.json'), 'utf8'))).toEqual(header);
    expect(header.seed).toBe(3);
    expect(lines('train-large.jsonl')).toHaveLength(header.counts.trainLargeDocuments);
    expect(lines('train-small.jsonl')).toHaveLength(header.counts.trainSmallDocuments);
    expect(lines('eval.jsonl')).toHaveLength(12);
    const world = lines('world.jsonl');
    expect(world.filter((r) => r.type === 'fact')).toHaveLength(header.counts.facts);
    expect(world.filter((r) => r.type === 'fact' && r.inSmall === true)).toHaveLength(
      header.counts.factsInSmall,
    );
    expect(header.smallFactShare).toBe(0.5);
    expect(header.bytes.trainLargeFile).toBe(readFileSync(join(out, 'train-large.jsonl')).length);
    for (const row of lines('train-small.jsonl')) expect(typeof row.text).toBe('string');
  });
});

describe('readEvalSplit', () => {
  it('reads back exactly the tasks that were written', () => {
    writePersonaWorld({ seed: 4, out, evalTasks: 9, targetBytes: 10_000 });
    const tasks = readEvalSplit(out);
    expect(tasks).toHaveLength(9);
    expect(tasks).toEqual(
      generatePersonaWorld({ seed: 4, evalTasks: 9, targetBytes: 10_000 }).eval,
    );
  });

  it('names the row and field of a malformed task', () => {
    const file = join(out, 'broken.jsonl');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'x',
        userId: 'u',
        history: ['h'],
        request: 'r',
        reference: 'a',
        facts: [{ entity: 'E', attribute: 'a', value: 'V', hops: 0, inSmall: true }],
        styleItems: ['s'],
      }) + '\n',
    );
    expect(() => readEvalSplit(file)).toThrow(
      /bad_eval_task: .*broken\.jsonl:1\.facts\[0\]: hops must be a positive integer/,
    );
    writeFileSync(file, '{not json\n');
    expect(() => readEvalSplit(file)).toThrow(PersonaWorldError);
  });

  it('says how to fix a missing split', () => {
    expect(() => readEvalSplit(join(out, 'nowhere'))).toThrow(
      /bad_argument: cannot read .*cli\.ts/,
    );
  });
});
