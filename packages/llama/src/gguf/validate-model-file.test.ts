import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testModelPair } from '../testing/test-model-pair.ts';
import { GgufValueType } from './gguf-format.ts';
import { ModelInvalidError } from './gguf-error.ts';
import { validateModelFile } from './validate-model-file.ts';
import { completeLlamaMetadata, tokenEmbeddingTensor, writeGguf } from './testing/write-gguf.ts';

const dir = mkdtempSync(join(tmpdir(), 'specsteer-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
function fileWith(bytes: Buffer): string {
  const path = join(dir, `model-${fileNumber++}.gguf`);
  writeFileSync(path, bytes);
  return path;
}

async function invalidReason(path: string): Promise<string> {
  const error = await validateModelFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelInvalidError);
  expect((error as ModelInvalidError).code).toBe('MODEL_INVALID');
  return (error as ModelInvalidError).reason;
}

describe('validateModelFile', () => {
  it('accepts a complete llama header and reports its vocabulary', async () => {
    const summary = await validateModelFile(
      fileWith(writeGguf(completeLlamaMetadata(8), [tokenEmbeddingTensor(8)])),
    );
    expect(summary.architecture).toBe('llama');
    expect(summary.tokens).toHaveLength(8);
    expect(summary.bosId).toBe(1);
    expect(summary.eosId).toBe(2);
  });

  it.each([
    'general.architecture',
    'llama.context_length',
    'llama.embedding_length',
    'llama.block_count',
    'llama.feed_forward_length',
    'llama.attention.head_count',
    'llama.attention.layer_norm_rms_epsilon',
    'tokenizer.ggml.model',
    'tokenizer.ggml.tokens',
  ])('refuses a file without %s and names the key', async (key) => {
    const metadata = completeLlamaMetadata();
    delete metadata[key];
    const reason = await invalidReason(fileWith(writeGguf(metadata, [tokenEmbeddingTensor()])));
    expect(reason).toContain(key);
  });

  it('refuses a required key of the wrong type', async () => {
    const metadata = completeLlamaMetadata();
    metadata['llama.attention.head_count'] = { type: GgufValueType.STRING, value: 'two' };
    expect(await invalidReason(fileWith(writeGguf(metadata, [tokenEmbeddingTensor()])))).toContain(
      'llama.attention.head_count',
    );
  });

  it('refuses a head count that does not divide the embedding', async () => {
    const metadata = completeLlamaMetadata();
    metadata['llama.attention.head_count'] = { type: GgufValueType.UINT32, value: 3 };
    expect(await invalidReason(fileWith(writeGguf(metadata, [tokenEmbeddingTensor()])))).toContain(
      'multiple',
    );
  });

  it('refuses a file whose magic is not GGUF', async () => {
    const bytes = writeGguf(completeLlamaMetadata(), [tokenEmbeddingTensor()]);
    bytes.writeUInt8(bytes.readUInt8(0) ^ 0xff, 0);
    expect(await invalidReason(fileWith(bytes))).toContain('not a GGUF file');
  });

  it('refuses an unsupported version', async () => {
    const bytes = writeGguf(completeLlamaMetadata(), [tokenEmbeddingTensor()]);
    bytes.writeUInt32LE(99, 4);
    expect(await invalidReason(fileWith(bytes))).toContain('version 99');
  });

  it('refuses absurd declared counts without allocating them', async () => {
    const bytes = writeGguf(completeLlamaMetadata(), [tokenEmbeddingTensor()]);
    bytes.writeBigUInt64LE(1n << 40n, 16); // metadata count
    expect(await invalidReason(fileWith(bytes))).toContain('metadata entries');
  });

  it('refuses a file truncated anywhere: in the header, the vocabulary or the tensor data', async () => {
    const bytes = writeGguf(completeLlamaMetadata(), [tokenEmbeddingTensor()]);
    for (const length of [0, 3, 10, 30, 200, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect(
        await invalidReason(fileWith(bytes.subarray(0, length))),
        `truncated to ${length}`,
      ).toMatch(/truncated|not a GGUF/);
    }
  });

  it('refuses a file that does not exist', async () => {
    expect(await invalidReason(join(dir, 'absent.gguf'))).toContain('ENOENT');
  });

  const pair = testModelPair();
  it.skipIf(pair === null)(
    'accepts the real model pair and finds it shares one vocabulary',
    async () => {
      const target = await validateModelFile(pair!.targetPath);
      const reference = await validateModelFile(pair!.referencePath);
      expect(target.tokens).toEqual(reference.tokens);
      expect(target.tokens.length).toBeGreaterThan(100);
    },
  );

  it.skipIf(pair === null)('refuses a truncated copy of the real model', async () => {
    const bytes = readFileSync(pair!.referencePath);
    expect(await invalidReason(fileWith(bytes.subarray(0, bytes.length - 1000)))).toContain(
      'truncated',
    );
  });
});
