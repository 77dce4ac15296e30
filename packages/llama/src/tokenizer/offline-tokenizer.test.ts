import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { getCpuLlama } from '../models/cpu-llama.ts';
import { OfflineTokenizer } from './offline-tokenizer.ts';
import { NO_MODEL_PAIR_REASON, testModelPair } from '../testing/test-model-pair.ts';

const pair = testModelPair();
const fixturePath = pair?.referencePath.replace(/\.gguf$/, '.fixture.json');
const fixture: { tokenizer: { text: string; ids: number[] }[] } | null =
  fixturePath !== undefined && existsSync(fixturePath)
    ? JSON.parse(readFileSync(fixturePath, 'utf8'))
    : null;
if (fixture === null)
  console.warn(`offline tokenizer tests skipped: ${NO_MODEL_PAIR_REASON} (with its .fixture.json)`);

describe.skipIf(fixture === null)('OfflineTokenizer on the model pair', () => {
  let llama: Llama;
  let model: LlamaModel;
  let tokenizer: OfflineTokenizer;

  beforeAll(async () => {
    llama = await getCpuLlama();
    model = await llama.loadModel({ modelPath: pair!.referencePath });
    tokenizer = new OfflineTokenizer(model);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('tokenizes a text of more than 100k ids without overflowing the stack', () => {
    // 65,536 CJK characters fall back to bytes: three ids each.
    const ids = tokenizer.tokenize('漢'.repeat(65_536));
    expect(ids.length).toBeGreaterThan(150_000);
  });

  it("gives SentencePiece's ids for every text of the training export's fixture, chat markers included", () => {
    for (const { text, ids } of fixture!.tokenizer)
      expect(tokenizer.tokenize(text), text).toEqual(ids);
  });

  it('maps the stop marker <|end|> to one token', () => {
    expect(tokenizer.singleToken('<|end|>')).not.toBeNull();
  });

  it('keeps a literal "<s>" in a text as text, not BOS', () => {
    expect(tokenizer.tokenize('a <s> b')).not.toContain(tokenizer.bos);
  });
});
