// Which engine drafts, and why — said in the UI. WebGPU is detected, not
// assumed: no adapter → wllama; an adapter without shader-f16 → the q4f32
// builds of WebLLM models. The offline pair has no WebLLM build at all.

import type { EngineKind } from '../worker/protocol.ts';

export interface WebGpuSupport {
  available: boolean;
  shaderF16: boolean;
}

export interface EngineChoice {
  engine: EngineKind;
  /** WebLLM model id (null for wllama). */
  webllmModel: string | null;
  reason: string;
}

export async function detectWebGpu(nav: { gpu?: unknown }): Promise<WebGpuSupport> {
  const gpu = nav.gpu as
    { requestAdapter(): Promise<{ features: { has(name: string): boolean } } | null> } | undefined;
  if (gpu === undefined) return { available: false, shaderF16: false };
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { available: false, shaderF16: false };
    return { available: true, shaderF16: adapter.features.has('shader-f16') };
  } catch {
    return { available: false, shaderF16: false };
  }
}

/** `family`: the verifier's model family (from its tokenizer fingerprint and vocabulary size). */
export function chooseEngine(
  requested: EngineKind | 'auto',
  family: 'offline-pair' | 'qwen2.5',
  gpu: WebGpuSupport,
  webllmInBuild: boolean,
): EngineChoice {
  if (family === 'offline-pair') {
    return {
      engine: 'wllama',
      webllmModel: null,
      reason:
        requested === 'webllm'
          ? 'wllama (WASM): WebLLM was asked for, but the verifier serves the offline pair, which has no WebGPU build'
          : 'wllama (WASM): the verifier serves the offline model pair; its small GGUF runs here on the CPU',
    };
  }
  if (requested === 'wllama') {
    return { engine: 'wllama', webllmModel: null, reason: 'wllama (WASM): chosen in the settings' };
  }
  if (!gpu.available) {
    return {
      engine: 'wllama',
      webllmModel: null,
      reason: 'wllama (WASM): this browser exposes no WebGPU adapter, so WebLLM cannot run',
    };
  }
  if (!webllmInBuild) {
    return {
      engine: 'wllama',
      webllmModel: null,
      reason: 'wllama (WASM): this build does not include the WebLLM engine',
    };
  }
  const variant = gpu.shaderF16 ? 'q4f16_1' : 'q4f32_1';
  return {
    engine: 'webllm',
    webllmModel: `Qwen2.5-0.5B-Instruct-${variant}-MLC`,
    reason: gpu.shaderF16
      ? 'WebLLM on WebGPU: Qwen2.5-0.5B-Instruct (q4f16) drafts for the Qwen2.5 verifier'
      : 'WebLLM on WebGPU: Qwen2.5-0.5B-Instruct q4f32 — this GPU has no shader-f16',
  };
}
