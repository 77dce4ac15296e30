// A deterministic stand-in for an engine's KV model (tests): the distribution
// after a sequence depends only on the sequence, as with a real model, and
// every decoded token is counted so tests can check what was re-evaluated.

import type { Distribution, TokenId } from '@specsteer/core';
import type { KvModel } from './kvSequence.ts';

export class FakeKvModel implements KvModel {
  readonly cache: TokenId[] = [];
  decodedTokens = 0;
  decodeCalls = 0;

  constructor(
    readonly vocabSize = 8,
    readonly contextSize = 64,
  ) {}

  async decode(tokens: readonly TokenId[]): Promise<void> {
    this.decodeCalls++;
    this.decodedTokens += tokens.length;
    this.cache.push(...tokens);
  }

  async lastDistribution(): Promise<Distribution> {
    return fakeDistribution(this.cache, this.vocabSize);
  }

  async truncate(length: number): Promise<void> {
    this.cache.length = length;
  }
}

/** The fake model's q after `tokens`: a softmax of a hash of the sequence. */
export function fakeDistribution(tokens: readonly TokenId[], vocabSize: number): Distribution {
  let h = 2166136261;
  for (const t of tokens) h = Math.imul(h ^ (t + 1), 16777619) >>> 0;
  const q = new Float64Array(vocabSize);
  let sum = 0;
  for (let i = 0; i < vocabSize; i++) {
    h = Math.imul(h ^ i, 16777619) >>> 0;
    q[i] = Math.exp((h % 1000) / 250);
    sum += q[i]!;
  }
  for (let i = 0; i < vocabSize; i++) q[i]! /= sum;
  return q;
}
