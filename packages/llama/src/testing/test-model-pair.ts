import { findModelPair, type ModelPairPaths } from '../models/model-pair-paths.ts';

/**
 * The model pair tests run on: SPECSTEER_TARGET_MODEL_PATH and
 * SPECSTEER_REFERENCE_MODEL_PATH when both are set (the server's variables),
 * else models/ when it holds the trained pair, else the interim pair in
 * data/interim/. Null when none exists: model tests skip, saying why.
 */
export function testModelPair(): ModelPairPaths | null {
  const targetPath = process.env.SPECSTEER_TARGET_MODEL_PATH;
  const referencePath = process.env.SPECSTEER_REFERENCE_MODEL_PATH;
  if (targetPath && referencePath) return { targetPath, referencePath };
  return findModelPair();
}

export const NO_MODEL_PAIR_REASON =
  'no model pair: put specsteer-{large,small}.gguf in models/ or {large,small}.gguf in data/interim/';
