import type { VerifierBackend } from '../../backends/backend.ts';
import type { Config } from '../../config/schema.ts';

// The production backend factory: `config.backend` picks the implementation.
// Each backend is imported only when chosen, so a vLLM deployment never loads
// node-llama-cpp's native binary and the embedded one never needs vLLM URLs.

export async function createConfiguredBackend(config: Config): Promise<VerifierBackend> {
  if (config.backend === 'vllm') {
    const { createVllmBackend } = await import('../../backends/vllm/index.ts');
    return createVllmBackend({
      targetUrl: config.vllmTargetUrl!,
      targetModel: config.vllmTargetModel,
      targetApiKey: config.vllmTargetApiKey,
      timeoutMs: config.vllmTimeoutMs,
      maxTopK: config.vllmMaxLogprobs,
      vocabSize: config.vllmVocabSize,
    });
  }
  const { createLlamaCppBackend } = await import('../../backends/llamacpp/index.ts');
  return createLlamaCppBackend({
    targetPath: config.targetModelPath!,
    ...(config.llamacppContextSize !== undefined && { contextSize: config.llamacppContextSize }),
    ...(config.llamacppSequencesPerContext !== undefined && {
      sequencesPerContext: config.llamacppSequencesPerContext,
    }),
    ...(config.llamacppMaxContexts !== undefined && { maxContexts: config.llamacppMaxContexts }),
  });
}
