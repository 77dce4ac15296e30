/**
 * The target and reference GGUF do not share one tokenizer: a token id would
 * mean different text to p and s, and the ratio test p/s would compare
 * unrelated numbers. A start-up error; the message names both files.
 */
export class ModelPairMismatchError extends Error {
  readonly code = 'MODEL_MISMATCH' as const;
  constructor(message: string) {
    super(`MODEL_MISMATCH: ${message}`);
    this.name = 'ModelPairMismatchError';
  }
}
