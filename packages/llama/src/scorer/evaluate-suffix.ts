import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/**
 * Next-token probabilities after a prefix: `next.get(id)` is P(id | prefix),
 * sorted high → low as node-llama-cpp returns it.
 */
export type NextTokenProbabilities = Map<Token, number>;

export interface SuffixEvaluation {
  /**
   * `distributions[i]` is the distribution after tokens[0 .. needFrom + i]
   * (inclusive), i.e. of the token at index needFrom + i + 1.
   */
  distributions: NextTokenProbabilities[];
  /** Tokens that were already in the KV cache and were not evaluated again. */
  reusedTokens: number;
  /** Length of the prefix the cache already held (some of it may have been decoded again). */
  sharedTokens: number;
  /** Tokens evaluated by this call. */
  evaluatedTokens: number;
}

/**
 * Bring `sequence`'s KV cache to exactly `tokens` and return the next-token
 * distribution after each of tokens[needFrom..]. The cache keeps the longest
 * prefix it shares with `tokens` (but nothing from `needFrom` on, whose
 * distributions must be computed), the divergent suffix is erased, and only
 * the rest is evaluated: the per-round cost is the new tokens, not the whole
 * sequence (docs/design.md §5: erase + re-evaluate gives bit-identical distributions).
 * At least two tokens are evaluated (see below), so a round costs one more when it adds one.
 *
 * With no sampling options the probabilities are the raw full-vocabulary
 * softmax (node-llama-cpp's default temperature 0 skips the sampler chain).
 */
export async function evaluateSuffix(
  sequence: LlamaContextSequence,
  tokens: readonly Token[],
  needFrom: number,
): Promise<SuffixEvaluation> {
  if (!Number.isInteger(needFrom) || needFrom < 0 || needFrom >= tokens.length) {
    throw new RangeError(
      `needFrom ${needFrom} is outside the ${tokens.length}-token sequence being evaluated`,
    );
  }
  const cached = sequence.contextTokens;
  let shared = 0;
  while (shared < cached.length && shared < tokens.length && cached[shared] === tokens[shared]) {
    shared++;
  }
  // Never decode a single token: llama.cpp computes a one-token batch with other matmul kernels
  // than a batch of two or more, and the probabilities then differ by up to ~2e-5 (measured).
  // Decoding at least the last two tokens keeps every result bit-identical however the
  // sequence was split into calls: the drafter's q equals the scorer's s exactly (docs/design.md §2).
  const keep = Math.max(0, Math.min(shared, needFrom, tokens.length - 2));
  if (keep < sequence.nextTokenIndex) {
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  }
  const input = tokens
    .slice(keep)
    .map((token, i) =>
      keep + i >= needFrom ? ([token, { generateNext: { probabilities: true } }] as const) : token,
    );
  const output = await sequence.controlledEvaluate(
    input as Parameters<LlamaContextSequence['controlledEvaluate']>[0],
  );
  const distributions: NextTokenProbabilities[] = [];
  for (let i = needFrom - keep; i < output.length; i++) {
    const probabilities = output[i]?.next.probabilities;
    if (probabilities === undefined) {
      throw new Error(`llama.cpp returned no probabilities at position ${keep + i}`);
    }
    distributions.push(probabilities);
  }
  return {
    distributions,
    reusedTokens: keep,
    sharedTokens: shared,
    evaluatedTokens: tokens.length - keep,
  };
}
