import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { describe, expect, it } from 'vitest';
import { fitLimitsToBackend } from './fit-limits.ts';

describe('limits announced for a backend', () => {
  it('caps top-K at what vLLM was started to report', () => {
    const { limits, narrowed } = fitLimitsToBackend(
      { ...DEFAULT_LIMITS, maxTopK: 50 },
      { maxTopK: 20 },
    );
    expect(limits.maxTopK).toBe(20);
    expect(narrowed).toEqual(['maxTopK']);
  });

  it('keeps prompt + output + one draft inside the model context', () => {
    const configured = {
      ...DEFAULT_LIMITS,
      maxPromptTokens: 8192,
      maxTokens: 2048,
      maxDraftTokens: 16,
    };
    const { limits } = fitLimitsToBackend(configured, { contextTokens: 512 });
    expect(limits.maxPromptTokens + limits.maxTokens + limits.maxDraftTokens).toBeLessThanOrEqual(
      512,
    );
    expect(limits.maxPromptTokens).toBe(248);
  });

  it('changes nothing when everything fits', () => {
    const { limits, narrowed } = fitLimitsToBackend(DEFAULT_LIMITS, {
      contextTokens: 1_000_000,
      maxTopK: 256,
    });
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(narrowed).toEqual([]);
  });

  it('fits the defaults to a 256-token model without a warning, and warns about settings it narrows', () => {
    const shipped = fitLimitsToBackend(DEFAULT_LIMITS, { contextTokens: 256 });
    expect(shipped.narrowed).toEqual(['maxPromptTokens', 'maxTokens']);
    expect(shipped.narrowedSettings).toEqual([]);
    expect(
      shipped.limits.maxPromptTokens + shipped.limits.maxTokens + shipped.limits.maxDraftTokens,
    ).toBeLessThanOrEqual(256);

    const set = fitLimitsToBackend({ ...DEFAULT_LIMITS, maxTokens: 4000 }, { contextTokens: 256 });
    expect(set.narrowedSettings).toEqual(['maxTokens']);
  });
});
