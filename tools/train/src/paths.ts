// Where the repository's shared folders are, from this file's location (tools/train/src).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** SPECSTEER_MODELS_DIR points the pair tests at another export (e.g. a checkpoint under evaluation). */
export const modelsDir = process.env.SPECSTEER_MODELS_DIR ?? resolve(repoRoot, 'models');
