// The environment variables an operator sets for the vLLM backend (read by the
// server's configuration, set in docker-compose.yml). Error messages name them
// so that whoever reads the log knows what to change.

export const VLLM_VARIABLES = {
  targetUrl: 'SPECSTEER_VLLM_TARGET_URL',
  targetModel: 'SPECSTEER_VLLM_TARGET_MODEL',
  targetApiKey: 'SPECSTEER_VLLM_TARGET_API_KEY',
  timeoutMs: 'SPECSTEER_VLLM_TIMEOUT_MS',
  /** The servers' --max-logprobs: the top-K cap announced in welcome. */
  maxTopK: 'SPECSTEER_VLLM_MAX_LOGPROBS',
  /** config.json vocab_size of the served models. */
  vocabSize: 'SPECSTEER_VLLM_VOCAB_SIZE',
} as const;
