import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

let shared: Promise<Llama> | null = null;

/**
 * The one CPU llama.cpp binding of this process. `build: 'never'` because a
 * process that cannot find the prebuilt binary would otherwise compile
 * llama.cpp for minutes (docs/design.md §5); `gpu: false` because the embedded
 * backend and the CLI drafter run on CPU. llama.cpp's own log lines carry no
 * prompt text, but they are noisy: only errors pass.
 */
export function getCpuLlama(): Promise<Llama> {
  shared ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }).catch(
    (error: unknown) => {
      shared = null;
      throw error;
    },
  );
  return shared;
}
