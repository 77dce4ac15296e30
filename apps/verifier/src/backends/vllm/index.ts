export {
  createVllmBackend,
  DEFAULT_VLLM_MAX_TOP_K,
  type VllmBackend,
  type VllmBackendOptions,
} from './create-vllm-backend.ts';
export { VllmClient, type VllmClientOptions } from './vllm-client.ts';
export { VllmScorer } from './vllm-scorer.ts';
export { VLLM_NEG_INF_LOGPROB } from './vllm-wire.ts';
export { VLLM_VARIABLES } from './vllm-variables.ts';
