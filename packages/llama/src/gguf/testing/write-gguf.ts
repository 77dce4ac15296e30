import { DEFAULT_GGUF_ALIGNMENT, GGUF_MAGIC, GgufValueType } from '../gguf-format.ts';

/** A metadata entry for the test writer: the type is explicit so tests can write wrong ones. */
export type GgufTestEntry =
  | { type: GgufValueType.STRING; value: string }
  | {
      type: Exclude<GgufValueType, GgufValueType.STRING | GgufValueType.ARRAY>;
      value: number | boolean;
    }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType; value: (string | number)[] };

export interface GgufTestTensor {
  name: string;
  dims: number[];
  /** F32 data, dims' product long. */
  data: Float32Array;
}

/**
 * Serialize a small GGUF v3 file in memory: tests build exactly the header they
 * mean to check (a key dropped, a wrong type) instead of editing real models.
 */
export function writeGguf(
  metadata: Record<string, GgufTestEntry>,
  tensors: GgufTestTensor[] = [],
): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    u64(bytes.length);
    parts.push(bytes);
  };
  const scalar = (type: GgufValueType, v: number | boolean | string) => {
    const b = Buffer.alloc(8);
    switch (type) {
      case GgufValueType.STRING:
        return str(String(v));
      case GgufValueType.UINT8:
      case GgufValueType.BOOL:
        b.writeUInt8(Number(v));
        return parts.push(b.subarray(0, 1));
      case GgufValueType.INT8:
        b.writeInt8(Number(v));
        return parts.push(b.subarray(0, 1));
      case GgufValueType.UINT16:
        b.writeUInt16LE(Number(v));
        return parts.push(b.subarray(0, 2));
      case GgufValueType.INT16:
        b.writeInt16LE(Number(v));
        return parts.push(b.subarray(0, 2));
      case GgufValueType.UINT32:
        b.writeUInt32LE(Number(v));
        return parts.push(b.subarray(0, 4));
      case GgufValueType.INT32:
        b.writeInt32LE(Number(v));
        return parts.push(b.subarray(0, 4));
      case GgufValueType.FLOAT32:
        b.writeFloatLE(Number(v));
        return parts.push(b.subarray(0, 4));
      case GgufValueType.UINT64:
        b.writeBigUInt64LE(BigInt(Number(v)));
        return parts.push(b);
      case GgufValueType.INT64:
        b.writeBigInt64LE(BigInt(Number(v)));
        return parts.push(b);
      case GgufValueType.FLOAT64:
        b.writeDoubleLE(Number(v));
        return parts.push(b);
      default:
        throw new Error(`cannot write a scalar of type ${type}`);
    }
  };

  u32(GGUF_MAGIC);
  u32(3);
  u64(tensors.length);
  u64(Object.keys(metadata).length);
  for (const [key, entry] of Object.entries(metadata)) {
    str(key);
    u32(entry.type);
    if (entry.type === GgufValueType.ARRAY) {
      u32(entry.itemType);
      u64(entry.value.length);
      for (const item of entry.value) scalar(entry.itemType, item);
    } else {
      scalar(entry.type, entry.value);
    }
  }
  let offset = 0;
  const align = (n: number) => Math.ceil(n / DEFAULT_GGUF_ALIGNMENT) * DEFAULT_GGUF_ALIGNMENT;
  for (const tensor of tensors) {
    str(tensor.name);
    u32(tensor.dims.length);
    for (const d of tensor.dims) u64(d);
    u32(0); // F32
    u64(offset);
    offset = align(offset + tensor.data.byteLength);
  }
  const header = Buffer.concat(parts);
  const data = Buffer.alloc(offset);
  offset = 0;
  for (const tensor of tensors) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(
      data,
      offset,
    );
    offset = align(offset + tensor.data.byteLength);
  }
  const padding = Buffer.alloc(align(header.length) - header.length);
  return Buffer.concat([header, padding, data]);
}

/** The metadata of a tiny but complete llama GGUF header (vocabulary of `vocab` tokens). */
export function completeLlamaMetadata(vocab = 8): Record<string, GgufTestEntry> {
  const tokens = ['<unk>', '<s>', '</s>', ...Array.from({ length: vocab - 3 }, (_, i) => `t${i}`)];
  return {
    'general.architecture': { type: GgufValueType.STRING, value: 'llama' },
    'llama.context_length': { type: GgufValueType.UINT32, value: 64 },
    'llama.embedding_length': { type: GgufValueType.UINT32, value: 4 },
    'llama.block_count': { type: GgufValueType.UINT32, value: 1 },
    'llama.feed_forward_length': { type: GgufValueType.UINT32, value: 8 },
    'llama.attention.head_count': { type: GgufValueType.UINT32, value: 2 },
    'llama.attention.layer_norm_rms_epsilon': { type: GgufValueType.FLOAT32, value: 1e-5 },
    'tokenizer.ggml.model': { type: GgufValueType.STRING, value: 'llama' },
    'tokenizer.ggml.tokens': {
      type: GgufValueType.ARRAY,
      itemType: GgufValueType.STRING,
      value: tokens,
    },
    'tokenizer.ggml.scores': {
      type: GgufValueType.ARRAY,
      itemType: GgufValueType.FLOAT32,
      value: tokens.map(() => 0),
    },
    'tokenizer.ggml.token_type': {
      type: GgufValueType.ARRAY,
      itemType: GgufValueType.INT32,
      value: tokens.map(() => 1),
    },
    'tokenizer.ggml.bos_token_id': { type: GgufValueType.UINT32, value: 1 },
    'tokenizer.ggml.eos_token_id': { type: GgufValueType.UINT32, value: 2 },
  };
}

export function tokenEmbeddingTensor(vocab = 8, embedding = 4): GgufTestTensor {
  return {
    name: 'token_embd.weight',
    dims: [embedding, vocab],
    data: new Float32Array(vocab * embedding).fill(0.5),
  };
}
