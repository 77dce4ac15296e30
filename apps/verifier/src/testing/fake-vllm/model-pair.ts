// Where tests find the offline model pair: the trained pair in models/ once
// it is committed, else the interim pair the training run exports to
// data/interim/ (gitignored), so the same tests run before and after.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ModelPairPaths {
  /** The large GGUF: target p. */
  target: string;
  /** The small GGUF: reference s (and the device drafter). */
  reference: string;
}

const repoRoot = new URL('../../../../../', import.meta.url);

const CANDIDATES: readonly { target: string; reference: string }[] = [
  { target: 'models/specsteer-large.gguf', reference: 'models/specsteer-small.gguf' },
  { target: 'data/interim/large.gguf', reference: 'data/interim/small.gguf' },
];

/** The first complete pair on disk, or undefined when neither exists yet. */
export function findModelPair(): ModelPairPaths | undefined {
  for (const candidate of CANDIDATES) {
    const target = fileURLToPath(new URL(candidate.target, repoRoot));
    const reference = fileURLToPath(new URL(candidate.reference, repoRoot));
    if (existsSync(target) && existsSync(reference)) return { target, reference };
  }
  return undefined;
}
