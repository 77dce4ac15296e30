// The wllama engine (llama.cpp in WASM, @wllama/wllama 2.4.x low-level API):
// the small GGUF loaded twice — the device instance (q, with the private
// context) and the reference instance (s, on the public context only) —
// because wllama 2.4 holds one KV sequence per instance. The GGUF is
// downloaded once (the browser's fetch) and both instances load the same Blob.

import { OFFLINE_MARKERS, type Distribution, type TokenId } from '@specsteer/core';
import { Wllama } from '@wllama/wllama';
import type { EngineLoader, LoadedEngine } from './handler.ts';
import type { KvModel } from './kvSequence.ts';

const DEFAULT_CONTEXT = 1024;

class WllamaKvModel implements KvModel {
  constructor(
    private readonly wllama: Wllama,
    readonly vocabSize: number,
    readonly contextSize: number,
  ) {}

  async decode(tokens: readonly TokenId[]): Promise<void> {
    await this.wllama.decode([...tokens], {});
  }

  async lastDistribution(): Promise<Distribution> {
    // -1 = the whole vocabulary (softmax of the raw logits at the last position).
    const entries = await this.wllama.getLogits(-1);
    const q = new Float64Array(this.vocabSize);
    let sum = 0;
    for (const { token, p } of entries) {
      q[token] = p;
      sum += p;
    }
    // Float32 softmax from the wasm side: renormalize in double precision.
    for (let i = 0; i < q.length; i++) q[i]! /= sum;
    return q;
  }

  async truncate(length: number): Promise<void> {
    await this.wllama.kvRemove(length, -1);
  }
}

/** Fetch with progress (bytes loaded of the Content-Length). */
async function download(
  url: string,
  onProgress: (loaded: number, total: number) => void,
): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(
      `could not reach ${url} (${error instanceof Error ? error.message : String(error)}); is the server running?`,
      { cause: error },
    );
  }
  if (!response.ok)
    throw new Error(
      `${url} answered HTTP ${response.status}; the model file is missing on the server`,
    );
  const total = Number(response.headers.get('content-length') ?? 0);
  const reader = response.body?.getReader();
  if (reader === undefined) return response.blob();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total || loaded);
  }
  return new Blob(chunks as BlobPart[]);
}

export const loadWllama: EngineLoader = async (request, onProgress) => {
  // wllama 2.4 resolves its wasm URL against document.baseURI, which a worker lacks.
  const scope = globalThis as { document?: { baseURI: string } };
  scope.document ??= { baseURI: self.location.href };
  if (request.wasmUrl === undefined) throw new Error('load.wasmUrl is required for wllama');
  const blob = await download(request.model, onProgress);
  const contextSize = request.contextSize ?? DEFAULT_CONTEXT;
  const paths = { 'single-thread/wllama.wasm': request.wasmUrl };
  const quiet = { suppressNativeLog: true, logger: { ...console, debug: () => {}, log: () => {} } };
  const device = new Wllama(paths, quiet);
  const reference = new Wllama(paths, quiet);
  // One thread each: the measured faster choice on small CPUs, and it needs no cross-origin isolation.
  const config = { n_ctx: contextSize, n_batch: contextSize, n_threads: 1 };
  try {
    await device.loadModel([blob], config);
    await reference.loadModel([blob], config);
  } catch (error) {
    await Promise.allSettled([device.exit(), reference.exit()]);
    throw new Error(
      `the model file did not load (${error instanceof Error ? error.message : String(error)}); it must be a GGUF llama.cpp can read`,
      { cause: error },
    );
  }
  const info = device.getLoadedContextInfo();
  const markerIds: Record<string, TokenId> = {};
  for (const marker of Object.values(OFFLINE_MARKERS)) {
    const ids = await device.tokenize(marker, true);
    if (ids.length === 1) markerIds[marker] = ids[0]!;
  }
  const markerPattern = new RegExp(
    `(${Object.keys(markerIds)
      .map((m) => m.replace(/[|]/g, '\\|'))
      .join('|')})`,
  );
  const engine: LoadedEngine = {
    device: new WllamaKvModel(device, info.n_vocab, info.n_ctx),
    reference: new WllamaKvModel(reference, info.n_vocab, info.n_ctx),
    // Markers map to their ids; the text between them is tokenized with special parsing off,
    // so a literal "<s>" in a message stays text (the same rule as the CLI's tokenizer).
    async tokenize(text) {
      const ids: TokenId[] = [];
      for (const part of Object.keys(markerIds).length > 0 ? text.split(markerPattern) : [text]) {
        if (part === '') continue;
        const marker = markerIds[part];
        if (marker !== undefined) ids.push(marker);
        else for (const id of await device.tokenize(part, false)) ids.push(id);
      }
      return ids;
    },
    detokenize: (tokens) => device.detokenize(tokens, true),
    info: {
      engine: 'wllama',
      vocabSize: info.n_vocab,
      contextSize: info.n_ctx,
      bos: info.token_bos >= 0 ? info.token_bos : null,
      markerIds,
      template: 'offline',
      rollback: 'kv-remove',
    },
    async dispose() {
      await Promise.allSettled([device.exit(), reference.exit()]);
    },
  };
  return engine;
};
