import { GGML_TYPE_LAYOUT, GgufValueType, type GgufHeader } from './gguf-format.ts';
import { ModelInvalidError } from './gguf-error.ts';
import { readGgufHeader, type GgufReadLimits } from './read-gguf-header.ts';

/** What the verifier needs to know about a model file that passed validation. */
export interface ModelFileSummary {
  path: string;
  architecture: string;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  /** tokenizer.ggml.model: "llama" is SentencePiece, "gpt2" byte-level BPE. */
  tokenizerModel: string;
  /** tokenizer.ggml.tokens: the vocabulary, index = token id. */
  tokens: string[];
  /** tokenizer.ggml.token_type when present (same length as tokens). */
  tokenTypes: number[] | null;
  bosId: number | null;
  eosId: number | null;
  tensorCount: number;
}

/**
 * Hyper-parameters llama.cpp reads without checking (ENGINES.md: a GGUF
 * missing feed_forward_length or attention.head_count aborts the process),
 * relative to `general.architecture`.
 */
const REQUIRED_ARCHITECTURE_KEYS = [
  'context_length',
  'embedding_length',
  'block_count',
  'feed_forward_length',
  'attention.head_count',
  'attention.layer_norm_rms_epsilon',
] as const;

const INTEGER_TYPES = new Set([
  GgufValueType.UINT8,
  GgufValueType.INT8,
  GgufValueType.UINT16,
  GgufValueType.INT16,
  GgufValueType.UINT32,
  GgufValueType.INT32,
  GgufValueType.UINT64,
  GgufValueType.INT64,
]);
const FLOAT_TYPES = new Set([GgufValueType.FLOAT32, GgufValueType.FLOAT64]);

/**
 * Check everything in a GGUF header that, when wrong, makes llama.cpp abort or
 * read out of bounds: the required metadata keys with the right types and
 * plausible values, the vocabulary, and that every tensor's data lies inside
 * the file. Call it before `llama.loadModel`; it reads only the header.
 */
export async function validateModelFile(
  path: string,
  limits?: GgufReadLimits,
): Promise<ModelFileSummary> {
  const header = await readGgufHeader(path, limits);
  return validateModelHeader(path, header);
}

export function validateModelHeader(path: string, header: GgufHeader): ModelFileSummary {
  const fail = (reason: string): never => {
    throw new ModelInvalidError(path, reason);
  };
  const entry = (key: string) => header.metadata.get(key);

  const archEntry = entry('general.architecture');
  if (archEntry === undefined) fail('missing required metadata key general.architecture');
  if (typeof archEntry!.value !== 'string' || archEntry!.value === '')
    fail('general.architecture is not a non-empty string');
  const architecture = archEntry!.value as string;

  const missing = REQUIRED_ARCHITECTURE_KEYS.map((k) => `${architecture}.${k}`).filter(
    (k) => !header.metadata.has(k),
  );
  for (const k of ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'])
    if (!header.metadata.has(k)) missing.push(k);
  if (missing.length > 0)
    fail(`missing required metadata key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const positiveInteger = (key: string): number => {
    const e = entry(key)!;
    // head_count may be a per-layer array in some architectures; every layer must be valid.
    const values = e.type === GgufValueType.ARRAY ? (e.value as unknown[]) : [e.value];
    const itemType = e.type === GgufValueType.ARRAY ? e.itemType! : e.type;
    if (!INTEGER_TYPES.has(itemType) || values.length === 0)
      fail(`${key} must be an integer (found type ${GgufValueType[itemType]})`);
    for (const v of values)
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
        fail(`${key} must be a positive integer (found ${String(v)})`);
    return values[0] as number;
  };
  const contextLength = positiveInteger(`${architecture}.context_length`);
  const embeddingLength = positiveInteger(`${architecture}.embedding_length`);
  const blockCount = positiveInteger(`${architecture}.block_count`);
  positiveInteger(`${architecture}.feed_forward_length`);
  const headCount = positiveInteger(`${architecture}.attention.head_count`);
  if (embeddingLength % headCount !== 0) {
    fail(
      `${architecture}.embedding_length (${embeddingLength}) is not a multiple of attention.head_count (${headCount})`,
    );
  }
  const epsKey = `${architecture}.attention.layer_norm_rms_epsilon`;
  const eps = entry(epsKey)!;
  if (
    !FLOAT_TYPES.has(eps.type) ||
    typeof eps.value !== 'number' ||
    !(eps.value > 0) ||
    !Number.isFinite(eps.value)
  ) {
    fail(`${epsKey} must be a positive float (found ${String(eps.value)})`);
  }

  const tokenizerModel = entry('tokenizer.ggml.model')!;
  if (typeof tokenizerModel.value !== 'string' || tokenizerModel.value === '')
    fail('tokenizer.ggml.model is not a non-empty string');
  const tokensEntry = entry('tokenizer.ggml.tokens')!;
  if (tokensEntry.type !== GgufValueType.ARRAY || tokensEntry.itemType !== GgufValueType.STRING) {
    fail('tokenizer.ggml.tokens must be an array of strings');
  }
  const tokens = tokensEntry.value as string[];
  if (tokens.length === 0) fail('tokenizer.ggml.tokens is empty');
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const e = entry(key);
    if (
      e !== undefined &&
      (e.type !== GgufValueType.ARRAY || (e.value as unknown[]).length !== tokens.length)
    ) {
      fail(`${key} must be an array with one item per token (${tokens.length})`);
    }
  }
  const tokenTypes = (entry('tokenizer.ggml.token_type')?.value as number[] | undefined) ?? null;
  const tokenId = (key: string): number | null => {
    const e = entry(key);
    if (e === undefined) return null;
    if (
      typeof e.value !== 'number' ||
      !Number.isInteger(e.value) ||
      e.value < 0 ||
      e.value >= tokens.length
    ) {
      fail(
        `${key} is ${String(e.value)}, not a token id below the vocabulary size ${tokens.length}`,
      );
    }
    return e.value as number;
  };
  const bosId = tokenId('tokenizer.ggml.bos_token_id');
  const eosId = tokenId('tokenizer.ggml.eos_token_id');
  tokenId('tokenizer.ggml.unknown_token_id');

  checkTensors(header, fail);
  if (!header.tensors.some((t) => t.name === 'token_embd.weight'))
    fail('missing tensor token_embd.weight');

  return {
    path,
    architecture,
    contextLength,
    embeddingLength,
    blockCount,
    tokenizerModel: tokenizerModel.value as string,
    tokens,
    tokenTypes,
    bosId,
    eosId,
    tensorCount: header.tensors.length,
  };
}

/** Every tensor's bytes must lie inside the file: a truncated download fails here, not in the engine. */
function checkTensors(header: GgufHeader, fail: (reason: string) => never): void {
  const names = new Set<string>();
  const dataBytes = header.fileSize - header.dataOffset;
  if (header.tensors.length > 0 && dataBytes < 0) fail('file is truncated before the tensor data');
  for (const tensor of header.tensors) {
    if (names.has(tensor.name)) fail(`tensor "${tensor.name}" appears twice`);
    names.add(tensor.name);
    const layout = GGML_TYPE_LAYOUT[tensor.ggmlType];
    let bytes = 0;
    if (layout !== undefined) {
      const [first = 0] = tensor.dims;
      if (first % layout.blockSize !== 0) {
        fail(
          `tensor "${tensor.name}" has a first dimension ${first} that is not a multiple of ${layout.name}'s block of ${layout.blockSize}`,
        );
      }
      const elements = tensor.dims.reduce((a, b) => a * b, 1);
      bytes = (elements / layout.blockSize) * layout.blockBytes;
    }
    if (
      !Number.isSafeInteger(bytes) ||
      tensor.offset + bytes > dataBytes ||
      tensor.offset >= Math.max(dataBytes, 1)
    ) {
      fail(
        `file is truncated: tensor "${tensor.name}" needs bytes ${tensor.offset}..${tensor.offset + bytes} of a ${Math.max(dataBytes, 0)}-byte data section`,
      );
    }
  }
}
