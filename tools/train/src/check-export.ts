// Checks one exported GGUF against what PyTorch and SentencePiece recorded at export
// (py/reference_outputs.py): tokenizer ids, full next-token distributions, greedy continuation.
// Usage: tsx src/check-export.ts <model.gguf> <reference.json> [--f32-attention]
// (--f32-attention: f32 KV cache and no flash attention, instead of llama.cpp's defaults)
import { readFileSync } from 'node:fs';
import type { Token } from 'node-llama-cpp';
import {
  distributionsAt,
  greedyContinuation,
  loadModel,
  tokenizeWithBos,
  vocabulary,
} from '@specsteer/llama';

interface Reference {
  vocabSize: number;
  pieces: string[];
  tokenizer: { text: string; ids: number[] }[];
  promptIds: number[];
  prompt: string;
  promptProbabilities: number[][];
  greedyIds: number[];
}

async function main(): Promise<void> {
  const [modelPath, referencePath] = process.argv.slice(2);
  if (!modelPath || !referencePath)
    throw new Error('usage: check-export <model.gguf> <reference.json>');
  const ref = JSON.parse(readFileSync(referencePath, 'utf8')) as Reference;
  const f32Attention = process.argv.includes('--f32-attention');
  const loaded = await loadModel(modelPath, 1024, f32Attention);

  const pieces = vocabulary(loaded);
  const vocabSize = pieces.length;
  const tokenizerMismatches = ref.tokenizer.filter(
    (s) => JSON.stringify(loaded.model.tokenize(s.text, true)) !== JSON.stringify(s.ids),
  );
  for (const s of tokenizerMismatches) {
    console.error(
      'tokenizer mismatch:',
      JSON.stringify(s.text),
      s.ids,
      loaded.model.tokenize(s.text, true),
    );
  }
  const promptIds = tokenizeWithBos(loaded, ref.prompt);
  const promptIdsMatch = JSON.stringify(promptIds) === JSON.stringify(ref.promptIds);

  const referenceIds = ref.promptIds as Token[];
  const distributions = await distributionsAt(loaded, referenceIds);
  let maxAbsDiff = 0;
  let argmaxAgree = 0;
  distributions.forEach((dist, i) => {
    const row = ref.promptProbabilities[i]!;
    let best = -1;
    let bestP = -1;
    for (let t = 0; t < row.length; t++) {
      const p = dist.get(t as Token) ?? 0;
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p - row[t]!));
      if (p > bestP) [best, bestP] = [t, p];
    }
    const refBest = row.indexOf(Math.max(...row));
    if (best === refBest) argmaxAgree++;
  });
  const greedy = await greedyContinuation(loaded, referenceIds, ref.greedyIds.length);
  const greedyMatch = JSON.stringify(greedy) === JSON.stringify(ref.greedyIds);
  const report = {
    modelPath,
    attention: f32Attention
      ? 'f32 KV cache, no flash attention'
      : 'llama.cpp defaults (f16 KV cache)',
    vocabSize,
    vocabMatches: JSON.stringify(pieces) === JSON.stringify(ref.pieces),
    tokenizerSamples: ref.tokenizer.length,
    tokenizerMismatches: tokenizerMismatches.length,
    promptIdsMatch,
    positions: distributions.length,
    maxAbsDiff,
    argmaxAgree,
    greedyMatch,
    greedy: loaded.model.detokenize(greedy, true),
  };
  console.log(JSON.stringify(report));
  await loaded.dispose();
  const ok =
    report.vocabMatches &&
    tokenizerMismatches.length === 0 &&
    promptIdsMatch &&
    greedyMatch &&
    maxAbsDiff < 1e-2;
  process.exitCode = ok ? 0 : 1;
}

await main();
