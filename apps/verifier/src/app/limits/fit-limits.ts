import { DEFAULT_LIMITS, type Limits } from '@specsteer/protocol';

// The configured limits, narrowed to what the backend can actually serve, so
// that welcome never promises a round the models would fail: top-K is capped
// by vLLM's --max-logprobs, and prompt + output + one draft must fit in the
// models' context (llama.cpp context size or vLLM's max-model-len).

export interface BackendCapacity {
  /** Largest top-K the backend can report. */
  maxTopK?: number | undefined;
  /** Tokens one scored sequence may hold (BOS included in the prompt's count). */
  contextTokens?: number | undefined;
}

export interface FittedLimits {
  limits: Limits;
  /** Which limits were narrowed. */
  narrowed: (keyof Limits)[];
  /**
   * The narrowed limits an operator set to something other than the default:
   * worth a start-up warning. Defaults fitted to a small model's context (the
   * shipped pair is trained on 256-token rows) are expected, not news.
   */
  narrowedSettings: (keyof Limits)[];
}

export function fitLimitsToBackend(configured: Limits, capacity: BackendCapacity): FittedLimits {
  const limits = { ...configured };
  const narrowed: (keyof Limits)[] = [];
  if (capacity.maxTopK !== undefined && limits.maxTopK > capacity.maxTopK) {
    limits.maxTopK = capacity.maxTopK;
    narrowed.push('maxTopK');
  }
  const context = capacity.contextTokens;
  if (context !== undefined) {
    // A scored sequence is prompt + output + the draft; the output includes the last recovered token.
    const room = context - limits.maxDraftTokens;
    if (limits.maxPromptTokens + limits.maxTokens > room) {
      const promptShare = Math.max(1, Math.min(limits.maxPromptTokens, Math.floor(room / 2)));
      if (promptShare < limits.maxPromptTokens) {
        limits.maxPromptTokens = promptShare;
        narrowed.push('maxPromptTokens');
      }
      const outputShare = Math.max(1, room - limits.maxPromptTokens);
      if (outputShare < limits.maxTokens) {
        limits.maxTokens = outputShare;
        narrowed.push('maxTokens');
      }
    }
  }
  const narrowedSettings = narrowed.filter((key) => configured[key] !== DEFAULT_LIMITS[key]);
  return { limits, narrowed, narrowedSettings };
}

/**
 * What a backend tells about its capacity beyond the VerifierBackend contract:
 * the llama.cpp backend has `contextSize`, the vLLM one `maxTopK` and `maxModelLen`.
 */
export function capacityOf(backend: object): BackendCapacity {
  const extra = backend as { maxTopK?: unknown; contextSize?: unknown; maxModelLen?: unknown };
  const positive = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
  return {
    maxTopK: positive(extra.maxTopK),
    contextTokens: positive(extra.contextSize) ?? positive(extra.maxModelLen),
  };
}
