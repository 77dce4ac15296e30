// A vLLM-shaped /v1/completions scoring response for measurements: every
// prompt entry holds the actual token plus the top K, the generated token's
// top_logprobs keyed `token_id:N` (as with --return-tokens-as-token-ids).

/** A vLLM-shaped body for an n-token prompt: each entry holds the actual token plus the top K. */
export function syntheticScoringBody(tokens: number[], K: number): string {
  const entries = ['null'];
  for (let j = 1; j < tokens.length; j++) {
    const fields = [`"${tokens[j]}":{"logprob":-3.2109876,"rank":27,"decoded_token":" word"}`];
    for (let r = 1; r <= K; r++) {
      fields.push(
        `"${5000 + r}":{"logprob":${(-0.1 * r).toFixed(7)},"rank":${r},"decoded_token":" w${r}"}`,
      );
    }
    entries.push(`{${fields.join(',')}}`);
  }
  const top = Array.from(
    { length: K },
    (_, r) => `"token_id:${5000 + r + 1}":${(-0.1 * (r + 1)).toFixed(7)}`,
  );
  return (
    `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x",` +
    `"logprobs":{"text_offset":[0],"token_logprobs":[-0.1],"tokens":["token_id:5001"],"top_logprobs":[{${top.join(',')}}]},` +
    `"finish_reason":"length","stop_reason":null,"prompt_logprobs":[${entries.join(',')}]}],` +
    `"usage":{"prompt_tokens":${tokens.length},"total_tokens":${tokens.length + 1},"completion_tokens":1}}`
  );
}
