import { open, stat } from 'node:fs/promises';
import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { GGML_TYPE_LAYOUT, GGUF_MAGIC, SUPPORTED_GGUF_VERSIONS } from './gguf-format.ts';
import { ModelInvalidError } from './gguf-error.ts';

/** What the engines need to know about a model file that passed validation. */
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
 * Bounds on the counts a header declares, checked before anything is parsed:
 * far above any real model (a few thousand tensors and metadata keys).
 */
export interface GgufReadLimits {
  maxMetadataEntries: number;
  maxTensors: number;
}

export const DEFAULT_GGUF_READ_LIMITS: GgufReadLimits = {
  maxMetadataEntries: 65_536,
  maxTensors: 65_536,
};

/**
 * Hyper-parameters llama.cpp reads without checking (a GGUF missing
 * feed_forward_length or attention.head_count aborts the whole process with a
 * native assert), relative to `general.architecture`.
 */
const REQUIRED_ARCHITECTURE_KEYS = [
  'context_length',
  'embedding_length',
  'block_count',
  'feed_forward_length',
  'attention.head_count',
  'attention.layer_norm_rms_epsilon',
] as const;

/**
 * The checks node-llama-cpp's `readGgufFileInfo` lacks, on top of its parse:
 * it accepts any version, reads past the end of a truncated file as zeros,
 * and does not check that the keys llama.cpp asserts on exist with usable
 * values, nor that the tensor data lies inside the file. Call this before
 * `llama.loadModel`; it reads only the header.
 */
export async function validateModelFile(
  path: string,
  limits: GgufReadLimits = DEFAULT_GGUF_READ_LIMITS,
): Promise<ModelFileSummary> {
  const fail = (reason: string): never => {
    throw new ModelInvalidError(path, reason);
  };
  let fileSize = 0;
  try {
    fileSize = (await stat(path)).size;
    await checkFixedHeader(path, fileSize, limits, fail);
  } catch (error) {
    if (error instanceof ModelInvalidError) throw error;
    fail((error as Error).message);
  }
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  } catch (error) {
    return fail(`unreadable GGUF header (${(error as Error).message})`);
  }
  const headerEnd = info.infoEndOffset ?? 0;
  if (headerEnd > fileSize) {
    fail(`file is truncated: it ends at byte ${fileSize}, inside its ${headerEnd}-byte header`);
  }
  return checkMetadata(path, info, fileSize, fail);
}

/** Magic, version and the declared counts: the 24 bytes every GGUF starts with. */
async function checkFixedHeader(
  path: string,
  fileSize: number,
  limits: GgufReadLimits,
  fail: (reason: string) => never,
): Promise<void> {
  const bytes = Buffer.alloc(24);
  const file = await open(path, 'r');
  try {
    await file.read(bytes, 0, 24, 0);
  } finally {
    await file.close();
  }
  if (fileSize < 4 || bytes.readUInt32LE(0) !== GGUF_MAGIC) fail('not a GGUF file (bad magic)');
  if (fileSize < 24) fail(`file is truncated: ${fileSize} bytes, shorter than a GGUF header`);
  const version = bytes.readUInt32LE(4);
  if (!(SUPPORTED_GGUF_VERSIONS as readonly number[]).includes(version)) {
    fail(`GGUF version ${version} is not supported (${SUPPORTED_GGUF_VERSIONS.join(' or ')})`);
  }
  const tensors = bytes.readBigUInt64LE(8);
  const entries = bytes.readBigUInt64LE(16);
  if (tensors > BigInt(limits.maxTensors)) {
    fail(`header declares ${tensors} tensors (at most ${limits.maxTensors})`);
  }
  if (entries > BigInt(limits.maxMetadataEntries)) {
    fail(`header declares ${entries} metadata entries (at most ${limits.maxMetadataEntries})`);
  }
}

function checkMetadata(
  path: string,
  info: GgufFileInfo,
  fileSize: number,
  fail: (reason: string) => never,
): ModelFileSummary {
  // readGgufFileInfo nests dotted keys: "llama.attention.head_count" is metadata.llama.attention.head_count.
  const lookup = (key: string): unknown =>
    key
      .split('.')
      .reduce<unknown>(
        (node, part) =>
          node !== null && typeof node === 'object'
            ? (node as Record<string, unknown>)[part]
            : undefined,
        info.metadata,
      );

  const architecture = lookup('general.architecture');
  if (architecture === undefined) fail('missing required metadata key general.architecture');
  if (typeof architecture !== 'string' || architecture === '')
    fail('general.architecture is not a non-empty string');
  const arch = architecture as string;

  const missing = REQUIRED_ARCHITECTURE_KEYS.map((k) => `${arch}.${k}`).filter(
    (k) => lookup(k) === undefined,
  );
  for (const k of ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'])
    if (lookup(k) === undefined) missing.push(k);
  if (missing.length > 0)
    fail(`missing required metadata key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const positiveInteger = (key: string): number => {
    const value = lookup(key);
    // head_count may be a per-layer array in some architectures; every layer must be valid.
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) fail(`${key} must be a positive integer (found an empty array)`);
    for (const v of values) {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
        fail(`${key} must be a positive integer (found ${JSON.stringify(String(v))})`);
    }
    return Number(values[0]);
  };
  const contextLength = positiveInteger(`${arch}.context_length`);
  const embeddingLength = positiveInteger(`${arch}.embedding_length`);
  const blockCount = positiveInteger(`${arch}.block_count`);
  positiveInteger(`${arch}.feed_forward_length`);
  const headCount = positiveInteger(`${arch}.attention.head_count`);
  if (embeddingLength % headCount !== 0) {
    fail(
      `${arch}.embedding_length (${embeddingLength}) is not a multiple of attention.head_count (${headCount})`,
    );
  }
  const epsKey = `${arch}.attention.layer_norm_rms_epsilon`;
  const eps = lookup(epsKey);
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    fail(`${epsKey} must be a positive float (found ${String(eps)})`);
  }

  const tokenizerModel = lookup('tokenizer.ggml.model');
  if (typeof tokenizerModel !== 'string' || tokenizerModel === '')
    fail('tokenizer.ggml.model is not a non-empty string');
  const tokens = lookup('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
    fail('tokenizer.ggml.tokens must be an array of strings');
  }
  const vocabulary = tokens as string[];
  if (vocabulary.length === 0) fail('tokenizer.ggml.tokens is empty');
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const value = lookup(key);
    if (value !== undefined && (!Array.isArray(value) || value.length !== vocabulary.length)) {
      fail(`${key} must be an array with one item per token (${vocabulary.length})`);
    }
  }
  const tokenTypes = (lookup('tokenizer.ggml.token_type') as number[] | undefined) ?? null;
  const tokenId = (key: string): number | null => {
    const value = lookup(key);
    if (value === undefined) return null;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < 0 ||
      value >= vocabulary.length
    ) {
      fail(
        `${key} is ${String(value)}, not a token id below the vocabulary size ${vocabulary.length}`,
      );
    }
    return value as number;
  };
  const bosId = tokenId('tokenizer.ggml.bos_token_id');
  const eosId = tokenId('tokenizer.ggml.eos_token_id');
  tokenId('tokenizer.ggml.unknown_token_id');

  const tensors = info.tensorInfo ?? [];
  checkTensors(tensors, fileSize, fail);
  if (!tensors.some((t) => t.name === 'token_embd.weight'))
    fail('missing tensor token_embd.weight');

  return {
    path,
    architecture: arch,
    contextLength,
    embeddingLength,
    blockCount,
    tokenizerModel: tokenizerModel as string,
    tokens: vocabulary,
    tokenTypes,
    bosId,
    eosId,
    tensorCount: tensors.length,
  };
}

/** Every tensor's bytes must lie inside the file: a truncated download fails here, not in the engine. */
function checkTensors(
  tensors: NonNullable<GgufFileInfo['tensorInfo']>,
  fileSize: number,
  fail: (reason: string) => never,
): void {
  const names = new Set<string>();
  for (const tensor of tensors) {
    if (names.has(tensor.name)) fail(`tensor "${tensor.name}" appears twice`);
    names.add(tensor.name);
    const dims = tensor.dimensions.map(Number);
    const layout = GGML_TYPE_LAYOUT[tensor.ggmlType];
    let bytes = 0;
    if (layout !== undefined) {
      const [first = 0] = dims;
      if (first % layout.blockSize !== 0) {
        fail(
          `tensor "${tensor.name}" has a first dimension ${first} that is not a multiple of ${layout.name}'s block of ${layout.blockSize}`,
        );
      }
      bytes = (dims.reduce((a, b) => a * b, 1) / layout.blockSize) * layout.blockBytes;
    }
    const start = Number(tensor.fileOffset);
    if (!Number.isSafeInteger(bytes) || start + bytes > fileSize || start >= fileSize) {
      fail(
        `file is truncated: tensor "${tensor.name}" needs bytes ${start}..${start + bytes} of a ${fileSize}-byte file`,
      );
    }
  }
}
