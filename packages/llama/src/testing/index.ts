// Test helpers for packages that use the engines: the model pair (or a skip reason) and GGUF writers.
export { testModelPair, NO_MODEL_PAIR_REASON } from './test-model-pair.ts';
export {
  writeGguf,
  completeLlamaMetadata,
  tokenEmbeddingTensor,
  type GgufTestEntry,
  type GgufTestTensor,
} from '../gguf/testing/write-gguf.ts';
export { GgufValueType } from '../gguf/gguf-format.ts';
