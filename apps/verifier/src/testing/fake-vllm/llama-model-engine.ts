// The model behind the fake vLLM server: one GGUF in node-llama-cpp, giving
// the full next-token distribution after every prefix of a token sequence
// (controlledEvaluate with probabilities, the prompt_logprobs equivalent of
// docs/design.md §5). The GGUF header is validated first: a file missing required
// metadata would abort the process inside llama.cpp.

import {
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { validateModelFile } from '@specsteer/llama';

let llamaPromise: Promise<Llama> | undefined;

/** One CPU llama.cpp per process: prebuilt binary only (never compile), quiet. */
function cpuLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  return llamaPromise;
}

export class LlamaModelEngine {
  readonly vocabSize: number;
  readonly bos: Token;
  readonly contextSize: number;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #sequence: LlamaContextSequence;
  /** One sequence: evaluations run one at a time, as on one GPU engine. */
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;

  private constructor(model: LlamaModel, context: LlamaContext, vocabSize: number, bos: Token) {
    this.#model = model;
    this.#context = context;
    this.#sequence = context.getSequence();
    this.vocabSize = vocabSize;
    this.bos = bos;
    this.contextSize = context.contextSize;
  }

  /** Load a GGUF; the context defaults to the model's trained length (vLLM's default --max-model-len). */
  static async load(modelPath: string, contextSize?: number): Promise<LlamaModelEngine> {
    const summary = await validateModelFile(modelPath);
    if (summary.bosId === null) throw new Error(`${modelPath} has no tokenizer.ggml.bos_token_id`);
    const llama = await cpuLlama();
    const model = await llama.loadModel({ modelPath });
    // threads: 1 — the default thread count is ~100× slower on 2 vCPUs (docs/design.md §5).
    const context = await model.createContext({
      contextSize: contextSize ?? summary.contextLength,
      threads: 1,
      sequences: 1,
    });
    return new LlamaModelEngine(model, context, summary.tokens.length, summary.bosId as Token);
  }

  /**
   * Text to ids, no BOS, with every chat marker as its single SentencePiece
   * piece. Special tokens must be parsed: llama.cpp treats `<|end|>` (the
   * pair's eos) as a control token and, with parsing off, spells it out in
   * five pieces the models never saw in training. (vLLM's Hugging Face
   * tokenizers parse special tokens in text too.)
   */
  tokenize(text: string): number[] {
    return this.#model.tokenize(text, true).map(Number);
  }

  detokenize(ids: readonly number[]): string {
    return this.#model.detokenize(ids as Token[], true);
  }

  /**
   * `result[i]` is the full distribution of the token after `tokens[0..i]`
   * (so result[i] scores tokens[i+1]; the last one is the next-token distribution).
   */
  distributionsAfterEachPrefix(tokens: readonly number[]): Promise<Float64Array[]> {
    if (this.#disposed) return Promise.reject(new Error('the model engine is disposed'));
    const run = this.#queue.then(async () => {
      await this.#sequence.clearHistory();
      const out = await this.#sequence.controlledEvaluate(
        tokens.map((t) => [t as Token, { generateNext: { probabilities: true } }]),
      );
      return tokens.map((_, i) => {
        const probabilities = out[i]?.next.probabilities;
        if (probabilities === undefined)
          throw new Error(`llama.cpp gave no distribution at position ${i}`);
        const dense = new Float64Array(this.vocabSize);
        for (const [token, p] of probabilities) dense[token] = p;
        return dense;
      });
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#queue;
    await this.#context.dispose();
    await this.#model.dispose();
  }
}
