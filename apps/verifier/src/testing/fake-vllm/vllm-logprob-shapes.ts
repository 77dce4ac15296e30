// How vLLM turns full distributions into its JSON (read from vLLM's
// completion serving code), so the fake server answers byte-for-byte in the
// same shapes:
// - prompt_logprobs[j] (j ≥ 1): {"<id>": {logprob, rank, decoded_token}} with
//   the actual prompt token first, then the top K (K entries when the actual
//   token is among them, K+1 when not); −inf clamped to −9999.0;
// - the generated token's top_logprobs: {"token_id:<id>": logprob} (or the
//   decoded text as key without return_tokens_as_token_ids), sampled token
//   first, then the top K, cut to K+1 entries.

export const NEG_INF_CLAMP = -9999.0;

export interface RankedToken {
  id: number;
  logprob: number;
  /** 1 + the number of tokens strictly more likely (vLLM's rank). */
  rank: number;
}

/** log p clamped the way vLLM clamps −inf for JSON. */
export function clampedLogprob(p: number): number {
  return p > 0 ? Math.max(Math.log(p), NEG_INF_CLAMP) : NEG_INF_CLAMP;
}

/** Token ids ordered most likely first (ties: lower id first, as a stable top-k would). */
export function rankOrder(distribution: Float64Array): number[] {
  const ids = Array.from(distribution.keys());
  ids.sort((a, b) => distribution[b]! - distribution[a]! || a - b);
  return ids;
}

/** vLLM's rank of `id`: 1 + how many tokens have a strictly higher probability. */
export function rankOf(distribution: Float64Array, id: number): number {
  const p = distribution[id]!;
  let higher = 0;
  for (const q of distribution) if (q > p) higher++;
  return higher + 1;
}

/** The actual token followed by the top K, deduplicated (first occurrence kept). */
export function actualThenTopK(
  distribution: Float64Array,
  order: readonly number[],
  actual: number,
  k: number,
): RankedToken[] {
  const entries: RankedToken[] = [
    {
      id: actual,
      logprob: clampedLogprob(distribution[actual]!),
      rank: rankOf(distribution, actual),
    },
  ];
  order.slice(0, k).forEach((id, i) => {
    if (id !== actual)
      entries.push({ id, logprob: clampedLogprob(distribution[id]!), rank: i + 1 });
  });
  return entries;
}

/**
 * One prompt_logprobs entry as JSON text: an object keyed by the token id as a
 * string, in vLLM's order (actual token first). Built as text because a JS
 * object would reorder integer-like keys ascending, and a faithful fake must
 * not hand the client a friendlier order than vLLM does.
 */
export function promptLogprobsEntryJson(
  entries: readonly RankedToken[],
  decode: (id: number) => string,
): string {
  const fields = entries.map(
    (e) =>
      `${JSON.stringify(String(e.id))}:${JSON.stringify({ logprob: e.logprob, rank: e.rank, decoded_token: decode(e.id) })}`,
  );
  return `{${fields.join(',')}}`;
}

/** The generated token's top_logprobs dict, cut to K+1 entries like `num_output_top_logprobs >= i`. */
export function sampledTopLogprobs(
  entries: readonly RankedToken[],
  k: number,
  key: (id: number) => string,
): Record<string, number> {
  const out: Record<string, number> = {};
  entries.slice(0, k + 1).forEach((e) => {
    out[key(e.id)] = e.logprob;
  });
  return out;
}
