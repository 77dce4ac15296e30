import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root, found from this file's place in packages/llama/src/models. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ModelPairPaths {
  /** The large model: p (docs/design.md §2). */
  targetPath: string;
  /** The small model: s in the cloud, q on the device. */
  referencePath: string;
}

/** The trained pair shipped in models/ (docs/design.md §6): the default everywhere. */
export const SHIPPED_MODEL_PAIR: ModelPairPaths = {
  targetPath: join(REPOSITORY_ROOT, 'models', 'specsteer-large.gguf'),
  referencePath: join(REPOSITORY_ROOT, 'models', 'specsteer-small.gguf'),
};

/** The training run's interim export (gitignored), used before models/ is filled. */
export const INTERIM_MODEL_PAIR: ModelPairPaths = {
  targetPath: join(REPOSITORY_ROOT, 'data', 'interim', 'large.gguf'),
  referencePath: join(REPOSITORY_ROOT, 'data', 'interim', 'small.gguf'),
};

/**
 * The model pair a default run should use: models/ when both files are there,
 * else the interim pair when both are there, else null (tests skip; the CLI
 * says which files it looked for).
 */
export function findModelPair(): ModelPairPaths | null {
  for (const pair of [SHIPPED_MODEL_PAIR, INTERIM_MODEL_PAIR]) {
    if (existsSync(pair.targetPath) && existsSync(pair.referencePath)) return pair;
  }
  return null;
}
