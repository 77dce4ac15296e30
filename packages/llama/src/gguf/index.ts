export { ModelInvalidError } from './gguf-error.ts';
export {
  validateModelFile,
  DEFAULT_GGUF_READ_LIMITS,
  type GgufReadLimits,
  type ModelFileSummary,
} from './validate-model-file.ts';
