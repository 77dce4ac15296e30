export { ModelInvalidError } from './gguf-error.ts';
export {
  readGgufHeader,
  DEFAULT_GGUF_READ_LIMITS,
  type GgufReadLimits,
} from './read-gguf-header.ts';
export {
  validateModelFile,
  validateModelHeader,
  type ModelFileSummary,
} from './validate-model-file.ts';
export type { GgufHeader, GgufTensorInfo, GgufValue } from './gguf-format.ts';
