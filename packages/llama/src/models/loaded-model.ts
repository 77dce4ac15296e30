// Running one of the pair's GGUF files in node-llama-cpp the way every tool here needs:
// CPU prebuilt binary (never compile), one thread (docs/design.md §5: ~100× faster than the default
// here), BOS prepended by us because model.tokenize does not add it.
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { getCpuLlama } from './cpu-llama.ts';



export interface LoadedModel {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  bos: Token;
  end: Token;
  dispose(): Promise<void>;
}

/**
 * `f32Attention` keeps keys and values in f32 (llama.cpp's default is f16) and turns flash
 * attention off: the export check uses it to separate that rounding (~1e-3 in probability on
 * the trained pair) from any error in the exported weights (~2e-5).
 */
export async function loadModel(
  modelPath: string,
  contextSize = 1024,
  f32Attention = false,
): Promise<LoadedModel> {
  const llama = await getCpuLlama();
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    contextSize,
    threads: 1,
    sequences: 1,
    ...(f32Attention
      ? {
          experimentalKvCacheKeyType: 'F32',
          experimentalKvCacheValueType: 'F32',
          flashAttention: false,
        }
      : {}),
  });
  const sequence = context.getSequence();
  const bos = model.tokens.bos;
  const end = model.tokens.eos;
  if (bos == null || end == null)
    throw new Error(`E_GGUF_SPECIAL_TOKENS: ${modelPath} lacks bos or eos ids`);
  return {
    model,
    sequence,
    bos,
    end,
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

/** The token list embedded in the GGUF (the shared vocabulary of the pair). */
export function vocabulary(loaded: LoadedModel): readonly string[] {
  const metadata = loaded.model.fileInfo.metadata as unknown as {
    tokenizer?: { ggml?: { tokens?: readonly string[] } };
  };
  const tokens = metadata.tokenizer?.ggml?.tokens;
  if (!tokens) throw new Error('E_GGUF_NO_VOCABULARY: tokenizer.ggml.tokens missing');
  return tokens;
}

/** Chat markers are user-defined tokens: they must be split out of plain text, like SentencePiece does. */
export function tokenizeWithBos(loaded: LoadedModel, text: string): Token[] {
  return [loaded.bos, ...loaded.model.tokenize(text, true)];
}

/** Full next-token distribution after every prefix of `tokens`, evaluated from an empty context. */
export async function distributionsAt(
  loaded: LoadedModel,
  tokens: Token[],
): Promise<Map<Token, number>[]> {
  await loaded.sequence.clearHistory();
  const out = await loaded.sequence.controlledEvaluate(
    tokens.map((t) => [t, { generateNext: { probabilities: true } }] as const) as never,
  );
  return tokens.map((_, i) => {
    const probabilities = out[i]?.next.probabilities;
    if (!probabilities) throw new Error(`E_NO_DISTRIBUTION: position ${i}`);
    return probabilities;
  });
}

/** Argmax of the next token after every prefix of `tokens` (teacher forcing). */
export async function argmaxAt(loaded: LoadedModel, tokens: Token[]): Promise<Token[]> {
  await loaded.sequence.clearHistory();
  const out = await loaded.sequence.controlledEvaluate(
    tokens.map((t) => [t, { generateNext: { token: true } }] as const) as never,
  );
  return tokens.map((_, i) => {
    const token = out[i]?.next.token;
    if (token == null) throw new Error(`E_NO_TOKEN: position ${i}`);
    return token;
  });
}

/** Greedy continuation of `prompt` (temperature 0) until the stop token or `maxNew` tokens. */
export async function greedyContinuation(
  loaded: LoadedModel,
  prompt: Token[],
  maxNew: number,
): Promise<Token[]> {
  await loaded.sequence.clearHistory();
  const generated: Token[] = [];
  let input: Token[] = prompt;
  while (generated.length < maxNew) {
    const last = input.length - 1;
    const out = await loaded.sequence.controlledEvaluate(
      input.map((t, i) =>
        i === last ? ([t, { generateNext: { token: true } }] as const) : t,
      ) as never,
    );
    const next = out[last]?.next.token;
    if (next == null) throw new Error('E_NO_TOKEN: greedy step produced nothing');
    generated.push(next);
    if (next === loaded.end) break;
    input = [next];
  }
  return generated;
}
