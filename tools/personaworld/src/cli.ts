/**
 * pnpm exec tsx tools/personaworld/src/cli.ts --seed 1 --out data/personaworld [--eval-tasks 300] [--target-bytes 7000000]
 *
 * Writes world.jsonl, train-large.jsonl, train-small.jsonl, eval.jsonl and,
 * LAST, header.json: its presence means the corpus is complete.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePersonaWorld, SCHEMA_VERSION, DEFAULTS, POOL_SIZE } from './generate.ts';
import { STYLE_KEYS } from './persona.ts';

function parseArgs(argv: string[]): {
  seed: number;
  out: string;
  evalTasks: number;
  targetBytes: number;
} {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith('--') || value === undefined)
      throw new Error(
        `usage: cli.ts --seed N --out DIR [--eval-tasks N] [--target-bytes N] (bad argument ${key})`,
      );
    values.set(key.slice(2), value);
  }
  const integer = (name: string, fallback?: number): number => {
    const raw = values.get(name);
    if (raw === undefined) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${raw}`);
    return n;
  };
  const out = values.get('out');
  if (!out) throw new Error('--out is required');
  return {
    seed: integer('seed'),
    out,
    evalTasks: integer('eval-tasks', DEFAULTS.evalTasks),
    targetBytes: integer('target-bytes', DEFAULTS.targetBytes),
  };
}

function jsonl(rows: readonly unknown[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const pw = generatePersonaWorld({
    seed: args.seed,
    evalTasks: args.evalTasks,
    targetBytes: args.targetBytes,
  });
  mkdirSync(args.out, { recursive: true });
  // A stale header would announce a corpus that is being rewritten.
  rmSync(join(args.out, 'header.json'), { force: true });

  const files = {
    world: jsonl([
      ...pw.world.entities.map((e) => ({ type: 'entity', name: e.name, kind: e.kind })),
      ...pw.world.facts.map((f) => ({
        type: 'fact',
        entity: f.entity,
        kind: f.kind,
        attribute: f.attribute,
        value: f.value,
        valueIsEntity: f.valueIsEntity,
        inSmall: f.inSmall,
      })),
    ]),
    trainLarge: jsonl(pw.trainLarge.map((text) => ({ text }))),
    trainSmall: jsonl(pw.trainSmall.map((text) => ({ text }))),
    eval: jsonl(pw.eval),
  };
  writeFileSync(join(args.out, 'world.jsonl'), files.world);
  writeFileSync(join(args.out, 'train-large.jsonl'), files.trainLarge);
  writeFileSync(join(args.out, 'train-small.jsonl'), files.trainSmall);
  writeFileSync(join(args.out, 'eval.jsonl'), files.eval);

  const textBytes = (texts: readonly string[]) =>
    texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const kinds: Record<string, number> = {};
  for (const e of pw.world.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const factsInSmall = pw.world.facts.filter((f) => f.inSmall).length;
  const header = {
    schemaVersion: SCHEMA_VERSION,
    generator: '@specsteer/personaworld',
    seed: args.seed,
    counts: {
      entities: pw.world.entities.length,
      entitiesByKind: kinds,
      facts: pw.world.facts.length,
      factsInSmall,
      twoHopChains: pw.twoHopChainCount,
      trainUsers: pw.trainUsers.length,
      stylePoolSize: POOL_SIZE,
      styleKeys: STYLE_KEYS,
      trainLargeDocuments: pw.trainLarge.length,
      trainSmallDocuments: pw.trainSmall.length,
      documentsByType: pw.documentsByType,
      evalUsers: pw.evalUserCount,
      evalTasks: pw.eval.length,
      evalTwoHopTasks: pw.eval.filter((t) => t.facts.length > 1).length,
    },
    smallFactShare: factsInSmall / pw.world.facts.length,
    factMentionsPerCorpusPass: pw.exposures,
    bytes: {
      worldFile: Buffer.byteLength(files.world),
      trainLargeFile: Buffer.byteLength(files.trainLarge),
      trainSmallFile: Buffer.byteLength(files.trainSmall),
      evalFile: Buffer.byteLength(files.eval),
      trainLargeText: textBytes(pw.trainLarge),
      trainSmallText: textBytes(pw.trainSmall),
    },
  };
  // Written last, atomically: its presence means every other file is complete.
  const tmp = join(args.out, 'header.json.tmp');
  writeFileSync(tmp, JSON.stringify(header, null, 2) + '\n');
  renameSync(tmp, join(args.out, 'header.json'));
  console.log(
    `personaworld seed ${args.seed}: ${pw.world.facts.length} facts (${factsInSmall} in small), ${pw.trainLarge.length} documents per corpus, ${pw.eval.length} eval tasks, ${Date.now() - started} ms -> ${args.out}`,
  );
}

main();
