import {
  isPublicOnly,
  type DraftBlock,
  type DraftContext,
  type Distribution,
  type Drafter,
  type TokenId,
} from '@specsteer/core';
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
 * The device model in Node (CLI, bench) on node-llama-cpp. One KV-cache
 * sequence holds the device context (private parts + public prompt) +
 * committed output + the current draft; a second one, in its own context,
 * holds the public prompt + output + draft and scores s there in one batch
 * per round. With no private part the two would be identical: then s is q
 * itself (the same arrays) and the second sequence is never used. `commit`
 * keeps the prefix that still matches and evaluates only what changed, so a
 * round costs the drafted tokens plus one on each sequence.
 */
export class LlamaDrafter implements Drafter {
  readonly vocabSize: number;
  readonly contextSize: number;
  /** Tokens evaluated so far on both sequences (prefill included): the bench reads it. */
  evaluatedTokens = 0;
  /** Milliseconds spent scoring s on the public sequence so far: the bench books it apart from drafting. */
  referenceMs = 0;
  private context: { device: TokenId[]; public: TokenId[] } = { device: [], public: [] };
  /** Whether the device context is the public one (no private part): s is then q. */
  private publicOnly = true;
  private committed: TokenId[] = [];
  /** q after the first `length` tokens of the cache, for lengths whose prefix the cache still holds. */
  private readonly nextByLength = new Map<number, Distribution>();
  private disposed = false;

  private constructor(
    private readonly model: LlamaModel,
    private readonly deviceContext: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    private readonly publicContext: LlamaContext,
    private readonly publicSequence: LlamaContextSequence,
    vocabSize: number,
  ) {
    this.vocabSize = vocabSize;
    this.contextSize = sequence.contextSize;
  }

  /** Validate the GGUF (no native abort on a bad file), load it on CPU, open the two sequences. */
  static async create(options: LlamaDrafterOptions): Promise<LlamaDrafter> {
    const file = await validateModelFile(options.modelPath);
    const llama = await getCpuLlama();
    const model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: 0 });
    const contexts: LlamaContext[] = [];
    try {
      const contextSize = options.contextSize ?? file.contextLength;
      // Two contexts, one sequence each: the two are never evaluated at once, and one
      // sequence per context keeps their results independent of each other.
      for (let i = 0; i < 2; i++) {
        contexts.push(
          await model.createContext({
            contextSize,
            sequences: 1,
            threads: 1,
            batchSize: contextSize,
          }),
        );
      }
      const [device, publicOne] = contexts as [LlamaContext, LlamaContext];
      return new LlamaDrafter(
        model,
        device,
        device.getSequence(),
        publicOne,
        publicOne.getSequence(),
        file.tokens.length,
      );
    } catch (error) {
      for (const context of contexts) await context.dispose();
      await model.dispose();
      throw error;
    }
  }

  /** The loaded model, for tokenizing the device context with the same tokenizer. */
  get llamaModel(): LlamaModel {
    return this.model;
  }

  async begin(context: DraftContext): Promise<void> {
    this.checkUsable();
    for (const [name, tokens] of [
      ['device', context.device],
      ['public', context.public],
    ] as const) {
      if (tokens.length === 0)
        throw new RangeError(`the ${name} context is empty; it needs at least BOS`);
      this.checkTokens(tokens, `${name} context`);
      if (tokens.length > this.contextSize) {
        throw new RangeError(
          `the ${name} context is ${tokens.length} tokens; the drafter's context holds ${this.contextSize}`,
        );
      }
    }
    this.context = { device: [...context.device], public: [...context.public] };
    this.publicOnly = isPublicOnly(context);
    this.committed = [];
    await this.moveTo(this.context.device);
  }

  room(outputLength: number): number {
    return Math.max(0, this.contextSize - this.context.device.length - outputLength);
  }

  async draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock> {
    this.checkUsable();
    const sequenceTokens = [...this.context.device, ...this.committed];
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
    return { tokens, distributions, references: await this.referencesFor(tokens, distributions) };
  }

  /** s at the n+1 positions of the draft: the public sequence scored in one batch (or q itself). */
  private async referencesFor(
    tokens: readonly TokenId[],
    distributions: Distribution[],
  ): Promise<Distribution[]> {
    if (this.publicOnly) return distributions;
    const started = performance.now();
    const publicTokens = [...this.context.public, ...this.committed, ...tokens];
    const evaluation = await evaluateSuffix(
      this.publicSequence,
      publicTokens as readonly number[] as readonly Token[],
      publicTokens.length - 1 - tokens.length,
    );
    this.evaluatedTokens += evaluation.evaluatedTokens;
    this.referenceMs += performance.now() - started;
    return evaluation.distributions.map((next) => toDistribution(next, this.vocabSize));
  }
  async commit(tokens: readonly TokenId[]): Promise<void> {
    this.checkUsable();
    this.checkTokens(tokens, 'committed output');
    const target = [...this.context.device, ...tokens];
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
    await this.deviceContext.dispose();
    await this.publicContext.dispose();
    await this.model.dispose();
  }
}
