export {
  createLlamaCppBackend,
  type LlamaCppBackend,
  type LlamaCppBackendOptions,
} from './create-llamacpp-backend.ts';
export { LlamaScorer } from './llama-scorer.ts';
export { OfflineTokenizer } from './offline-tokenizer.ts';
export { ModelPairMismatchError } from './model-pair-mismatch-error.ts';
export { getCpuLlama } from './cpu-llama.ts';
export { evaluateSuffix, type NextTokenProbabilities } from './evaluate-suffix.ts';
export {
  findModelPair,
  SHIPPED_MODEL_PAIR,
  INTERIM_MODEL_PAIR,
  REPOSITORY_ROOT,
  type ModelPairPaths,
} from './model-pair-paths.ts';
