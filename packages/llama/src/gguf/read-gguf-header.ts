import { open, type FileHandle } from 'node:fs/promises';
import {
  DEFAULT_GGUF_ALIGNMENT,
  GGML_MAX_DIMS,
  GGUF_MAGIC,
  GgufValueType,
  SCALAR_BYTES,
  SUPPORTED_GGUF_VERSIONS,
  type GgufHeader,
  type GgufTensorInfo,
  type GgufValue,
} from './gguf-format.ts';
import { ModelInvalidError } from './gguf-error.ts';

/**
 * Bounds on what a header may declare. A corrupt count must fail with a clear
 * error, not allocate gigabytes: these are far above any real model
 * (a 150k vocabulary, a few thousand tensors, chat templates of kilobytes).
 */
export interface GgufReadLimits {
  maxMetadataEntries: number;
  maxTensors: number;
  maxStringBytes: number;
  maxArrayLength: number;
}

export const DEFAULT_GGUF_READ_LIMITS: GgufReadLimits = {
  maxMetadataEntries: 65_536,
  maxTensors: 65_536,
  maxStringBytes: 1 << 20,
  maxArrayLength: 1 << 24,
};

const CHUNK_BYTES = 1 << 16;

/** Sequential reads through a small window of the file, so a header is never loaded whole. */
class BoundedFileReader {
  private buffer = Buffer.alloc(CHUNK_BYTES);
  private start = 0; // file offset of buffer[0]
  private length = 0; // valid bytes in buffer
  private cursor = 0; // read position inside buffer

  constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly fileSize: number,
  ) {}

  get position(): number {
    return this.start + this.cursor;
  }

  /** Make `n` bytes available at the cursor, or fail naming what was being read. */
  private async need(n: number, what: string): Promise<void> {
    if (this.length - this.cursor >= n) return;
    if (this.position + n > this.fileSize) {
      throw new ModelInvalidError(
        this.path,
        `file is truncated: it ends at byte ${this.fileSize} while reading ${what} (${n} bytes at ${this.position})`,
      );
    }
    const keep = this.length - this.cursor;
    const size = Math.max(CHUNK_BYTES, n);
    const next = Buffer.alloc(size);
    this.buffer.copy(next, 0, this.cursor, this.length);
    this.start = this.position;
    this.cursor = 0;
    this.length = keep;
    this.buffer = next;
    while (this.length < n) {
      const { bytesRead } = await this.file.read(
        next,
        this.length,
        size - this.length,
        this.start + this.length,
      );
      if (bytesRead === 0)
        throw new ModelInvalidError(this.path, `file shrank while reading ${what}`);
      this.length += bytesRead;
    }
  }

  async u32(what: string): Promise<number> {
    await this.need(4, what);
    const v = this.buffer.readUInt32LE(this.cursor);
    this.cursor += 4;
    return v;
  }

  /** A u64 that must fit a JS number (counts, lengths, offsets). */
  async u64(what: string): Promise<number> {
    await this.need(8, what);
    const v = this.buffer.readBigUInt64LE(this.cursor);
    this.cursor += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ModelInvalidError(this.path, `${what} is ${v}, larger than any valid file`);
    }
    return Number(v);
  }

  async string(what: string, maxBytes: number): Promise<string> {
    const n = await this.u64(`length of ${what}`);
    if (n > maxBytes)
      throw new ModelInvalidError(this.path, `${what} declares ${n} bytes (limit ${maxBytes})`);
    await this.need(n, what);
    const s = this.buffer.toString('utf8', this.cursor, this.cursor + n);
    this.cursor += n;
    return s;
  }

  async scalar(type: GgufValueType, what: string): Promise<number | bigint | boolean> {
    const bytes = SCALAR_BYTES[type];
    if (bytes === undefined)
      throw new ModelInvalidError(this.path, `${what} has unknown value type ${type}`);
    await this.need(bytes, what);
    const b = this.buffer;
    const at = this.cursor;
    this.cursor += bytes;
    switch (type) {
      case GgufValueType.UINT8:
        return b.readUInt8(at);
      case GgufValueType.INT8:
        return b.readInt8(at);
      case GgufValueType.UINT16:
        return b.readUInt16LE(at);
      case GgufValueType.INT16:
        return b.readInt16LE(at);
      case GgufValueType.UINT32:
        return b.readUInt32LE(at);
      case GgufValueType.INT32:
        return b.readInt32LE(at);
      case GgufValueType.FLOAT32:
        return b.readFloatLE(at);
      case GgufValueType.BOOL:
        return b.readUInt8(at) !== 0;
      case GgufValueType.UINT64: {
        const v = b.readBigUInt64LE(at);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case GgufValueType.INT64: {
        const v = b.readBigInt64LE(at);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v;
      }
      default:
        return b.readDoubleLE(at);
    }
  }
}

function isValueType(t: number): t is GgufValueType {
  return Number.isInteger(t) && t >= 0 && t <= GgufValueType.FLOAT64;
}

/**
 * Read a GGUF file's header, metadata and tensor table (not the tensor data),
 * checking every count and length against the file size and `limits`.
 * Throws `ModelInvalidError` for anything malformed.
 */
export async function readGgufHeader(
  path: string,
  limits: GgufReadLimits = DEFAULT_GGUF_READ_LIMITS,
): Promise<GgufHeader> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new ModelInvalidError(
      path,
      `cannot open the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  try {
    const { size: fileSize } = await file.stat();
    const reader = new BoundedFileReader(file, path, fileSize);

    const magic = await reader.u32('the magic number');
    if (magic !== GGUF_MAGIC) {
      throw new ModelInvalidError(
        path,
        `not a GGUF file (magic 0x${magic.toString(16).padStart(8, '0')}, expected "GGUF")`,
      );
    }
    const version = await reader.u32('the version');
    if (!(SUPPORTED_GGUF_VERSIONS as readonly number[]).includes(version)) {
      throw new ModelInvalidError(
        path,
        `GGUF version ${version} is not supported (supported: ${SUPPORTED_GGUF_VERSIONS.join(', ')})`,
      );
    }
    const tensorCount = await reader.u64('the tensor count');
    if (tensorCount > limits.maxTensors) {
      throw new ModelInvalidError(
        path,
        `declares ${tensorCount} tensors (limit ${limits.maxTensors})`,
      );
    }
    const entryCount = await reader.u64('the metadata count');
    if (entryCount > limits.maxMetadataEntries) {
      throw new ModelInvalidError(
        path,
        `declares ${entryCount} metadata entries (limit ${limits.maxMetadataEntries})`,
      );
    }

    const metadata: GgufHeader['metadata'] = new Map();
    for (let i = 0; i < entryCount; i++) {
      const key = await reader.string(`metadata key #${i}`, limits.maxStringBytes);
      const type = await reader.u32(`the type of "${key}"`);
      if (!isValueType(type))
        throw new ModelInvalidError(path, `"${key}" has unknown value type ${type}`);
      if (metadata.has(key)) throw new ModelInvalidError(path, `"${key}" appears twice`);
      if (type === GgufValueType.ARRAY) {
        const itemType = await reader.u32(`the item type of "${key}"`);
        if (!isValueType(itemType) || itemType === GgufValueType.ARRAY) {
          throw new ModelInvalidError(path, `"${key}" is an array of unsupported type ${itemType}`);
        }
        const count = await reader.u64(`the length of "${key}"`);
        if (count > limits.maxArrayLength) {
          throw new ModelInvalidError(
            path,
            `"${key}" declares ${count} items (limit ${limits.maxArrayLength})`,
          );
        }
        // Each item takes at least its scalar width (8 bytes of length for a string): a
        // declared count the rest of the file cannot hold is a corrupt header, not a big array.
        const minItemBytes = itemType === GgufValueType.STRING ? 8 : (SCALAR_BYTES[itemType] ?? 1);
        if (count * minItemBytes > fileSize - reader.position) {
          throw new ModelInvalidError(
            path,
            `file is truncated: "${key}" declares ${count} items past the end of the file`,
          );
        }
        const items: GgufValue[] = new Array(count);
        for (let j = 0; j < count; j++) {
          items[j] =
            itemType === GgufValueType.STRING
              ? await reader.string(`item ${j} of "${key}"`, limits.maxStringBytes)
              : await reader.scalar(itemType, `item ${j} of "${key}"`);
        }
        metadata.set(key, { type, itemType, value: items });
      } else if (type === GgufValueType.STRING) {
        metadata.set(key, { type, value: await reader.string(`"${key}"`, limits.maxStringBytes) });
      } else {
        metadata.set(key, { type, value: await reader.scalar(type, `"${key}"`) });
      }
    }

    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await reader.string(`the name of tensor #${i}`, limits.maxStringBytes);
      const nDims = await reader.u32(`the rank of tensor "${name}"`);
      if (nDims < 1 || nDims > GGML_MAX_DIMS) {
        throw new ModelInvalidError(
          path,
          `tensor "${name}" has ${nDims} dimensions (1..${GGML_MAX_DIMS} allowed)`,
        );
      }
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++)
        dims.push(await reader.u64(`dimension ${d} of tensor "${name}"`));
      const ggmlType = await reader.u32(`the type of tensor "${name}"`);
      const offset = await reader.u64(`the offset of tensor "${name}"`);
      tensors.push({ name, dims, ggmlType, offset });
    }

    const alignmentEntry = metadata.get('general.alignment');
    const alignment =
      typeof alignmentEntry?.value === 'number' ? alignmentEntry.value : DEFAULT_GGUF_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new ModelInvalidError(
        path,
        `general.alignment is ${String(alignmentEntry?.value)}, not a power of two`,
      );
    }
    const dataOffset = Math.ceil(reader.position / alignment) * alignment;
    return { version, metadata, tensors, dataOffset, fileSize };
  } finally {
    await file.close();
  }
}
