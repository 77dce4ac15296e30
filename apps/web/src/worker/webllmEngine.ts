// The WebLLM engine (@mlc-ai/web-llm 0.2.86, WebGPU) for deployments whose
// verifier serves the Qwen2.5 family: Qwen2.5-0.5B-Instruct drafts.
// - q: a LogitProcessor sees the full logits of the last position before each
//   sample (ENGINES.md); forwardTokensAndSample(ids, isPrefill) appends ids
//   to the KV cache and samples a token we ignore (it is not appended).
// - Rollback: WebLLM wraps no "pop" of its KV cache. The MLC runtime has
//   `vm.builtin.kv_state_popn` (pop the last n tokens of a sequence); we
//   call it through the pipeline when the model library exports it (cost:
//   one GPU call), else reset the chat and re-prefill the kept prefix (cost:
//   a prefill of the whole context — counted in `reprefilledTokens`).
// - s: a second engine on the same model (the weights come from the browser's
//   cache the second time), holding the public context.
// Internals reached (the pipeline, its tokenizer, tvm, kvCache) are named in
// `mlcInternals` only; everything else is WebLLM's public API.

import type { Distribution, TokenId } from '@specsteer/core';
import { CHATML_MARKERS } from '@specsteer/core';
import type { EngineLoader, LoadedEngine } from './handler.ts';
import type { KvModel } from './kvSequence.ts';

/** The part of MLCEngine's public API the drafter uses. */
export interface MlcEngineLike {
  forwardTokensAndSample(inputIds: number[], isPrefill: boolean): Promise<number>;
  resetChat(keepStats?: boolean): Promise<void>;
  unload(): Promise<void>;
}

/** What the drafter needs from the engine's internals (see mlcInternals). */
export interface MlcInternals {
  tokenize(text: string): TokenId[];
  detokenize(tokens: TokenId[]): string;
  vocabSize: number;
  contextSize: number;
  /** Pop the last n tokens of the KV cache; null when the runtime has no such function. */
  popN: ((n: number) => void) | null;
}

/** Captures the logits the engine hands its LogitProcessor (full vocabulary, last position). */
export class LogitCapture {
  last: Float32Array | null = null;
  readonly processor = {
    processLogits: (logits: Float32Array) => {
      this.last = logits.slice();
      return logits;
    },
    processSampledToken: () => {},
    resetState: () => {},
  };
}

export function softmax(logits: Float32Array, vocabSize: number): Distribution {
  const q = new Float64Array(vocabSize);
  let max = -Infinity;
  for (let i = 0; i < vocabSize; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < vocabSize; i++) {
    q[i] = Math.exp(logits[i]! - max);
    sum += q[i]!;
  }
  for (let i = 0; i < vocabSize; i++) q[i]! /= sum;
  return q;
}

export class WebLlmKvModel implements KvModel {
  private readonly tokens: TokenId[] = [];
  poppedTokens = 0;
  reprefilledTokens = 0;

  constructor(
    private readonly engine: MlcEngineLike,
    private readonly internals: MlcInternals,
    private readonly capture: LogitCapture,
  ) {}

  get vocabSize(): number {
    return this.internals.vocabSize;
  }

  get contextSize(): number {
    return this.internals.contextSize;
  }

  async decode(tokens: readonly TokenId[]): Promise<void> {
    this.capture.last = null;
    await this.engine.forwardTokensAndSample(
      [...tokens],
      this.tokens.length === 0 || tokens.length > 1,
    );
    this.tokens.push(...tokens);
  }

  async lastDistribution(): Promise<Distribution> {
    if (this.capture.last === null) {
      throw new Error(
        'WebLLM gave no logits for the last position (is the LogitProcessor registered?)',
      );
    }
    return softmax(this.capture.last, this.vocabSize);
  }

  async truncate(length: number): Promise<void> {
    const n = this.tokens.length - length;
    if (n <= 0) return;
    this.capture.last = null;
    if (this.internals.popN !== null) {
      this.internals.popN(n);
      this.poppedTokens += n;
      this.tokens.length = length;
      return;
    }
    const kept = this.tokens.slice(0, length);
    await this.engine.resetChat(true);
    this.tokens.length = 0;
    if (kept.length > 0) {
      await this.engine.forwardTokensAndSample(kept, true);
      this.tokens.push(...kept);
      this.reprefilledTokens += kept.length;
    }
  }
}

/**
 * The internals of a loaded MLCEngine the drafter needs, found by name; any
 * missing piece is a clear error rather than a wrong distribution.
 */
export function mlcInternals(engine: unknown, modelId: string): MlcInternals {
  const pipelines = (engine as { loadedModelIdToPipeline?: Map<string, unknown> })
    .loadedModelIdToPipeline;
  const pipeline = pipelines?.get(modelId) as
    | {
        tokenizer?: {
          encode(text: string): Int32Array;
          decode(ids: Int32Array): string;
          getVocabSize?(): number;
        };
        fullVocabSize?: number;
        contextWindowSize?: number;
        filledKVCacheLength?: number;
        kvCache?: unknown;
        tvm?: {
          getGlobalFunc(name: string): (...args: unknown[]) => unknown;
          scalar?(value: number, dtype: string): unknown;
          beginScope(): void;
          endScope(): void;
        };
      }
    | undefined;
  if (pipeline?.tokenizer === undefined) {
    throw new Error(
      `this WebLLM version exposes no pipeline tokenizer for ${modelId}; use the wllama engine`,
    );
  }
  const tokenizer = pipeline.tokenizer;
  let popN: MlcInternals['popN'] = null;
  try {
    const fn = pipeline.tvm?.getGlobalFunc('vm.builtin.kv_state_popn');
    const scalar = pipeline.tvm?.scalar?.bind(pipeline.tvm);
    if (fn !== undefined && scalar !== undefined && pipeline.kvCache !== undefined) {
      popN = (n) => {
        pipeline.tvm!.beginScope();
        fn(pipeline.kvCache, scalar(0, 'int64'), scalar(n, 'int32'));
        pipeline.tvm!.endScope();
        pipeline.filledKVCacheLength = (pipeline.filledKVCacheLength ?? n) - n;
      };
    }
  } catch {
    popN = null;
  }
  return {
    tokenize: (text) => Array.from(tokenizer.encode(text)),
    detokenize: (tokens) => tokenizer.decode(Int32Array.from(tokens)),
    vocabSize: pipeline.fullVocabSize ?? tokenizer.getVocabSize?.() ?? 0,
    contextSize: pipeline.contextWindowSize ?? 4096,
    popN,
  };
}

export const loadWebLlm: EngineLoader = async (request, onProgress) => {
  const webllm = await import('@mlc-ai/web-llm');
  const modelId = request.model;
  const open = async (): Promise<[MlcEngineLike, MlcInternals, LogitCapture]> => {
    const capture = new LogitCapture();
    const engine = await webllm.CreateMLCEngine(modelId, {
      logitProcessorRegistry: new Map([[modelId, capture.processor]]),
      // WebLLM reports a fraction, not bytes: sent as thousandths.
      initProgressCallback: (report) => onProgress(Math.round(report.progress * 1000), 1000),
    });
    return [engine, mlcInternals(engine, modelId), capture];
  };
  const [device, deviceInternals, deviceCapture] = await open();
  const [reference, referenceInternals, referenceCapture] = await open();
  const markerIds: Record<string, TokenId> = {};
  for (const marker of Object.values(CHATML_MARKERS)) {
    const ids = deviceInternals.tokenize(marker);
    if (ids.length === 1) markerIds[marker] = ids[0]!;
  }
  const engine: LoadedEngine = {
    device: new WebLlmKvModel(device, deviceInternals, deviceCapture),
    reference: new WebLlmKvModel(reference, referenceInternals, referenceCapture),
    tokenize: async (text) => deviceInternals.tokenize(text),
    detokenize: async (tokens) => deviceInternals.detokenize(tokens),
    info: {
      engine: 'webllm',
      vocabSize: deviceInternals.vocabSize,
      contextSize: deviceInternals.contextSize,
      bos: null,
      markerIds,
      template: 'chatml',
      rollback: deviceInternals.popN !== null ? 'kv-popn' : 'reset-and-prefill',
    },
    async dispose() {
      await Promise.allSettled([device.unload(), reference.unload()]);
    },
  };
  return engine;
};
