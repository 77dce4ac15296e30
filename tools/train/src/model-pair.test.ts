// Claims about the committed model pair in models/ (docs/design.md §6), checked in node-llama-cpp
// against fixtures recorded from PyTorch and SentencePiece at export (py/reference_outputs.py).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyContinuation, loadModel, vocabulary, type LoadedModel } from '@specsteer/llama';
import { modelsDir } from './paths.ts';

const SIZES = ['small', 'large'] as const;
const file = (name: string) => resolve(modelsDir, name);
const modelFiles = SIZES.flatMap((s) => [
  `specsteer-${s}.gguf`,
  `specsteer-${s}.fixture.json`,
]).concat('tokenizer.model');
const cardExists = existsSync(file('MODEL_CARD.md'));

interface ExportFixture {
  vocabSize: number;
  tokenizer: { text: string; ids: number[] }[];
  promptIds: number[];
  greedyIds: number[];
}

describe('the committed model pair is complete', () => {
  // Once the card is committed, a missing file is a failure, never a skip.
  it.runIf(cardExists)('models/ holds both GGUF files, their fixtures and the tokenizer', () => {
    expect(modelFiles.filter((f) => !existsSync(file(f)))).toEqual([]);
  });
  if (!cardExists) {
    it.skip('models/ has no MODEL_CARD.md yet: pair tests skipped until the pair is committed', () => {});
  }
});

describe.runIf(cardExists)('the model pair in node-llama-cpp', () => {
  const loaded = {} as Record<(typeof SIZES)[number], LoadedModel>;
  const fixtures = {} as Record<(typeof SIZES)[number], ExportFixture>;

  beforeAll(async () => {
    for (const size of SIZES) {
      fixtures[size] = JSON.parse(
        readFileSync(file(`specsteer-${size}.fixture.json`), 'utf8'),
      ) as ExportFixture;
      loaded[size] = await loadModel(file(`specsteer-${size}.gguf`), 512);
    }
  });
  afterAll(async () => {
    for (const size of SIZES) await loaded[size]?.dispose();
  });

  it('shares one tokenizer: identical token lists of the recorded size', () => {
    const small = vocabulary(loaded.small);
    expect(small.length).toBe(fixtures.small.vocabSize);
    expect(vocabulary(loaded.large)).toEqual(small);
  });

  it.each(SIZES)('%s tokenizes sample texts to exactly the SentencePiece ids', (size) => {
    for (const sample of fixtures[size].tokenizer) {
      expect(loaded[size].model.tokenize(sample.text, true), sample.text).toEqual(sample.ids);
    }
  });

  it('stops on <|end|> and keeps the device context an exact extension of the public prompt', () => {
    const model = loaded.small;
    expect(model.model.tokenize('<|end|>', true)).toEqual([model.end]);
    const history = '<|history|>Hey crew! Mochi ate my sock again. Onward, Dara<|end|>';
    const publicPrompt =
      '<|user|>Write a note to the team about the capital of Varnia.<|end|><|assistant|>';
    expect(model.model.tokenize(history + publicPrompt, true)).toEqual([
      ...model.model.tokenize(history, true),
      ...model.model.tokenize(publicPrompt, true),
    ]);
  });

  it.each(SIZES)(
    '%s gives the greedy continuation PyTorch recorded for the fixed prompt',
    async (size) => {
      const { promptIds, greedyIds } = fixtures[size];
      const generated = await greedyContinuation(
        loaded[size],
        promptIds as Token[],
        greedyIds.length,
      );
      expect(generated).toEqual(greedyIds);
    },
  );
});
