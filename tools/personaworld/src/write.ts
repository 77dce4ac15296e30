/**
 * Writes a PersonaWorld to a folder: world.jsonl, train-large.jsonl,
 * train-small.jsonl, eval.jsonl and, LAST, header.json, so that its presence
 * means the corpus is complete.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePersonaWorld, SCHEMA_VERSION, POOL_SIZE } from './generate.ts';
import { STYLE_KEYS } from './persona.ts';

export interface WriteOptions {
  seed: number;
  out: string;
  evalTasks: number;
  targetBytes: number;
}

function jsonl(rows: readonly unknown[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}

export function writePersonaWorld(args: WriteOptions) {
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
  return header;
}
