// Hard caps: the largest values any server may announce in its `Limits` and
// the bounds every schema enforces before a server looks at its own, smaller
// limits. They keep a single frame from costing unbounded memory or time.

export const HARD_CAPS = {
  /** Draft tokens per `draft` (k). */
  draftTokens: 64,
  /** K of the top-K correction. */
  topK: 256,
  /** Tokens in a public prompt (token form, or after the chat template). */
  promptTokens: 32_768,
  /** Output tokens of one session (`maxTokens`, `resume.committedTokens`). */
  outputTokens: 32_768,
  /** Chat messages in a prompt. */
  messages: 256,
  /** Characters (Unicode code points, as zod counts them) in one chat message's content (64 KiB of ASCII). */
  contentChars: 65_536,
  /** Stop tokens in `sampling.stopTokens`. */
  stopTokens: 64,
  /** Sessions one connection may hold open. */
  sessionsPerConnection: 1_024,
  /** Bytes of one frame (UTF-8). */
  frameBytes: 16 * 1024 * 1024,
  /** Characters of an error message. */
  errorMessageChars: 4_096,
  /** Token ids are below 2^31 (int32); the vocabulary check is `checkTokenRange`. */
  tokenIdExclusive: 2 ** 31,
} as const;
