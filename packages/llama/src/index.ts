// @specsteer/llama: everything that runs a GGUF model in node-llama-cpp, for every
// app and tool that drafts, scores or evaluates (the verifier, the CLI, training).
export { LlamaDrafter, toDistribution, type LlamaDrafterOptions } from './drafter/index.ts';
export { LlamaScorer, type EvaluationCounter } from './scorer/llama-scorer.ts';
export {
  evaluateSuffix,
  type NextTokenProbabilities,
  type SuffixEvaluation,
} from './scorer/evaluate-suffix.ts';
export { positionScore } from './scorer/position-scores.ts';
export {
  SequencePool,
  SequencePoolClosedError,
  type SequenceHolder,
  type SequencePoolOptions,
} from './scorer/sequence-pool.ts';
export { OfflineTokenizer } from './tokenizer/offline-tokenizer.ts';
export { getCpuLlama } from './models/cpu-llama.ts';
export {
  findModelPair,
  SHIPPED_MODEL_PAIR,
  INTERIM_MODEL_PAIR,
  REPOSITORY_ROOT,
  type ModelPairPaths,
} from './models/model-pair-paths.ts';
export { ModelPairMismatchError } from './models/model-pair-mismatch-error.ts';
export { checkSharedVocabulary } from './models/shared-vocabulary.ts';
export {
  loadModel,
  vocabulary,
  tokenizeWithBos,
  distributionsAt,
  argmaxAt,
  greedyContinuation,
  type LoadedModel,
} from './models/loaded-model.ts';
export * from './gguf/index.ts';
