import type { DraftBlock, Distribution, Drafter, TokenId } from '@specsteer/core';
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { validateModelFile } from '../gguf/index.ts';
import { getCpuLlama } from '../models/cpu-llama.ts';
import { evaluateSuffix, type NextTokenProbabilities } from '../scorer/evaluate-suffix.ts';

export interface LlamaDrafterOptions {
  /** The small GGUF (the device model). */
  modelPath: string;
  /** Tokens the device context holds (private context + public prompt + output); default the trained context. */
  contextSize?: number;
}

/** The whole of q as core wants it: probs[id] for every id of the vocabulary. */
export function toDistribution(next: NextTokenProbabilities, vocabSize: number): Distribution {
  const q = new Float64Array(vocabSize);
  for (const [id, probability] of next) q[id] = probability;
  return q;
}

/**
 * The device model in Node (CLI, bench) on node-llama-cpp: one KV-cache
 * sequence holds the private context + public prompt + committed output +
 * the current draft. `commit` keeps the prefix that still matches and
 * evaluates only what changed (usually the one recovered token), so a round
 * costs the drafted tokens plus one.
 */
export class LlamaDrafter implements Drafter {
  readonly vocabSize: number;
  readonly contextSize: number;
  /** Tokens evaluated so far (prefill included): the bench reads it. */
  evaluatedTokens = 0;
  private contextTokens: TokenId[] = [];
  private committed: TokenId[] = [];
  /** q after the first `length` tokens of the cache, for lengths whose prefix the cache still holds. */
  private readonly nextByLength = new Map<number, Distribution>();
  private disposed = false;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    vocabSize: number,
  ) {
    this.vocabSize = vocabSize;
    this.contextSize = sequence.contextSize;
  }

  /** Validate the GGUF (no native abort on a bad file), load it on CPU, open one sequence. */
  static async create(options: LlamaDrafterOptions): Promise<LlamaDrafter> {
    const file = await validateModelFile(options.modelPath);
    const llama = await getCpuLlama();
    const model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: 0 });
    try {
      const contextSize = options.contextSize ?? file.contextLength;
      const context = await model.createContext({
        contextSize,
        sequences: 1,
        threads: 1,
        batchSize: contextSize,
      });
      return new LlamaDrafter(model, context, context.getSequence(), file.tokens.length);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** The loaded model, for tokenizing the device context with the same tokenizer. */
  get llamaModel(): LlamaModel {
    return this.model;
  }

  async begin(contextTokens: readonly TokenId[]): Promise<void> {
    this.checkUsable();
    if (contextTokens.length === 0)
      throw new RangeError('the device context is empty; it needs at least BOS');
    this.checkTokens(contextTokens, 'context');
    if (contextTokens.length > this.contextSize) {
      throw new RangeError(
        `the device context is ${contextTokens.length} tokens; the drafter's context holds ${this.contextSize}`,
      );
    }
    this.contextTokens = [...contextTokens];
    this.committed = [];
    await this.moveTo(this.contextTokens);
  }

  async draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock> {
    this.checkUsable();
    const sequenceTokens = [...this.contextTokens, ...this.committed];
    let q = this.nextByLength.get(sequenceTokens.length);
    if (q === undefined || this.sequence.nextTokenIndex !== sequenceTokens.length) {
      q = await this.moveTo(sequenceTokens);
    }
    const tokens: TokenId[] = [];
    const distributions: Distribution[] = [q];
    // Each drafted token is evaluated to get q after it; the cache must have room for it.
    const room = this.contextSize - sequenceTokens.length;
    for (let i = 0; i < Math.min(n, room); i++) {
      const y = choose(q);
      if (!Number.isInteger(y) || y < 0 || y >= this.vocabSize) {
        throw new RangeError(`choose returned ${y}, not a token id below ${this.vocabSize}`);
      }
      tokens.push(y);
      sequenceTokens.push(y);
      q = await this.moveTo(sequenceTokens);
      distributions.push(q);
      if (isStop(y)) break;
    }
    return { tokens, distributions };
  }

  async commit(tokens: readonly TokenId[]): Promise<void> {
    this.checkUsable();
    this.checkTokens(tokens, 'committed output');
    const target = [...this.contextTokens, ...tokens];
    if (target.length > this.contextSize) {
      throw new RangeError(
        `context and output are ${target.length} tokens; the drafter's context holds ${this.contextSize}`,
      );
    }
    this.committed = [...tokens];
    const cached = this.sequence.contextTokens;
    let shared = 0;
    while (shared < cached.length && shared < target.length && cached[shared] === target[shared]) {
      shared++;
    }
    if (shared === target.length && this.nextByLength.has(target.length)) {
      // Everything committed was drafted here (no recovered token): drop the rejected rest only.
      if (cached.length > shared) {
        await this.sequence.eraseContextTokenRanges([{ start: shared, end: cached.length }]);
      }
      for (const length of this.nextByLength.keys())
        if (length > shared) this.nextByLength.delete(length);
      return;
    }
    await this.moveTo(target);
  }

  /** Make the cache hold exactly `tokens`; returns q after them. */
  private async moveTo(tokens: readonly TokenId[]): Promise<Distribution> {
    const { distributions, sharedTokens, evaluatedTokens } = await evaluateSuffix(
      this.sequence,
      tokens as readonly Token[],
      tokens.length - 1,
    );
    this.evaluatedTokens += evaluatedTokens;
    // q after a prefix that did not change is still valid (decoding it again is bit-identical).
    for (const length of this.nextByLength.keys())
      if (length > sharedTokens) this.nextByLength.delete(length);
    const q = toDistribution(distributions[0]!, this.vocabSize);
    this.nextByLength.set(tokens.length, q);
    return q;
  }

  private checkTokens(tokens: readonly TokenId[], what: string): void {
    const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabSize);
    if (bad >= 0) {
      throw new RangeError(
        `${what} token ${bad} is ${tokens[bad]}, not an id below ${this.vocabSize}`,
      );
    }
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('the drafter was disposed');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.context.dispose();
    await this.model.dispose();
  }
}
