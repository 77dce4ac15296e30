// Where the repository's shared folders are, from this file's location (tools/train/src).
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const modelsDir = resolve(repoRoot, 'models');
