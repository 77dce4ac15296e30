// From one vLLM scoring completion to core's PositionScore list. vLLM gives:
// - `prompt_logprobs[j]` (j ≥ 1): the distribution of token j given tokens[0..j),
//   as {"<id>": {logprob, rank, decoded_token}} holding the actual token plus
//   the top K: K entries when the actual token is in the top K, else K+1;
// - `logprobs.top_logprobs[0]`: the distribution after the whole prompt (the
//   one generated token's), as {"token_id:<id>": logprob}, again K or K+1 entries.
// −inf arrives clamped to −9999.0; it means zero probability and becomes −Infinity,
// as every other Scorer reports log(0).

import type { PositionScore, TokenId, TopLogprobs } from '@specsteer/core';
import {
  PromptLogprobsEntrySchema,
  VLLM_NEG_INF_LOGPROB,
  type CompletionResponse,
} from './vllm-wire.ts';

/** A vLLM answer that does not describe the sequence that was sent. */
export class VllmShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VllmShapeError';
  }
}

/** vLLM's clamped −inf (and anything below it) is log(0). */
export function fromVllmLogprob(logprob: number): number {
  return logprob <= VLLM_NEG_INF_LOGPROB ? Number.NEGATIVE_INFINITY : logprob;
}

interface Candidate {
  id: TokenId;
  logprob: number;
  /** vLLM's 1-based rank in the full distribution, when it sent one. */
  rank: number | undefined;
}

/** The K most likely of K or K+1 candidates, highest first (rank decides, then logprob, then id). */
function topK(candidates: Candidate[], k: number): TopLogprobs {
  const sorted = [...candidates].sort(
    (a, b) =>
      (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
      b.logprob - a.logprob ||
      a.id - b.id,
  );
  const kept = sorted.filter((c) => c.rank === undefined || c.rank <= k).slice(0, k);
  return { ids: kept.map((c) => c.id), logprobs: kept.map((c) => c.logprob) };
}

function parseTokenId(key: string, prefix: string, where: string): TokenId {
  const digits = key.startsWith(prefix) ? key.slice(prefix.length) : '';
  if (!/^\d+$/.test(digits)) {
    throw new VllmShapeError(
      prefix === ''
        ? `${where}: key "${key}" is not a token id`
        : `${where}: key "${key.slice(0, 40)}" is not "${prefix}<id>"; start vLLM with --return-tokens-as-token-ids (or use a version that honours the request field)`,
    );
  }
  return Number(digits);
}

/** Position j of the prompt (1 ≤ j < tokens.length). */
function promptPosition(
  raw: unknown,
  j: number,
  tokens: readonly TokenId[],
  k: number,
): PositionScore {
  const where = `prompt_logprobs[${j}]`;
  const parsed = PromptLogprobsEntrySchema.safeParse(raw);
  if (!parsed.success) throw new VllmShapeError(`${where} is not an object of {logprob, rank}`);
  const candidates: Candidate[] = Object.entries(parsed.data).map(([key, value]) => ({
    id: parseTokenId(key, '', where),
    logprob: fromVllmLogprob(value.logprob),
    rank: value.rank ?? undefined,
  }));
  const actual = tokens[j]!;
  const own = candidates.find((c) => c.id === actual);
  if (own === undefined)
    throw new VllmShapeError(`${where} lacks the prompt token ${actual} itself`);
  return { top: topK(candidates, k), tokenLogprob: own.logprob };
}

/** The final position: the distribution after the whole sequence. */
function finalPosition(response: CompletionResponse, k: number): PositionScore {
  const top = response.choices[0]!.logprobs?.top_logprobs[0];
  if (top === undefined || top === null) {
    throw new VllmShapeError(
      'choices[0].logprobs.top_logprobs[0] is missing (was logprobs requested?)',
    );
  }
  const candidates: Candidate[] = Object.entries(top).map(([key, logprob]) => ({
    id: parseTokenId(key, 'token_id:', 'choices[0].logprobs.top_logprobs[0]'),
    logprob: fromVllmLogprob(logprob),
    rank: undefined,
  }));
  return { top: topK(candidates, k), tokenLogprob: null };
}

/**
 * PositionScores for positions `from .. tokens.length` of the scored sequence
 * (core's ScoringSession.score contract), top-K with K = `k`.
 */
export function positionScores(
  response: CompletionResponse,
  tokens: readonly TokenId[],
  from: number,
  k: number,
): PositionScore[] {
  const promptLogprobs = response.choices[0]!.prompt_logprobs;
  if (promptLogprobs === undefined || promptLogprobs === null) {
    throw new VllmShapeError(
      'choices[0].prompt_logprobs is missing (was prompt_logprobs requested?)',
    );
  }
  if (promptLogprobs.length !== tokens.length) {
    throw new VllmShapeError(
      `prompt_logprobs has ${promptLogprobs.length} entries for a ${tokens.length}-token prompt`,
    );
  }
  if (promptLogprobs[0] !== null) throw new VllmShapeError('prompt_logprobs[0] is not null');
  const scores: PositionScore[] = [];
  for (let j = from; j < tokens.length; j++)
    scores.push(promptPosition(promptLogprobs[j], j, tokens, k));
  scores.push(finalPosition(response, k));
  return scores;
}
