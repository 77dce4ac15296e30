// The two engine roles of docs/design.md §5 behind one interface each, so that the
// same session loop drives WebLLM, wllama, node-llama-cpp (Drafter) and vLLM,
// llama.cpp (Scorer), and the explicit probability tables used in tests.

/** A token id of the shared vocabulary (drafter and scorers share one tokenizer). */
export type TokenId = number;

/**
 * A full next-token distribution over the vocabulary: `probs[id]` is the
 * probability of token `id`; entries are finite, non-negative and sum to 1
 * (within float error). Drafters report q this way: the device always has the
 * whole of q, and it never leaves the device.
 */
export type Distribution = Float64Array;

/** The K most likely tokens at one position, highest first, as natural-log probabilities. */
export interface TopLogprobs {
  ids: TokenId[];
  logprobs: number[];
}

/** What one call to `Drafter.draft` produced. */
export interface DraftBlock {
  /** y_1..y_n, n ≤ requested (fewer when a stop token was drawn). */
  tokens: TokenId[];
  /**
   * q_1..q_{n+1}: `distributions[i]` is the distribution y_{i+1} was drawn from;
   * the last one is q at the position after the last draft token, needed when
   * every draft token is accepted (the bonus token is drawn from π there).
   */
  distributions: Distribution[];
}

/**
 * The device model. It holds the private context; nothing it returns other
 * than drafted token ids may be sent anywhere.
 */
export interface Drafter {
  readonly vocabSize: number;
  /**
   * Start a generation: prefill the device's whole context, the private parts
   * (history, profile, snippets) rendered where the chat template puts them
   * together with the public prompt. The committed output starts empty.
   */
  begin(contextTokens: readonly TokenId[]): Promise<void>;
  /**
   * Draft up to `n` tokens after the committed output, choosing each with
   * `choose(q)` (sampling with the session RNG, or argmax in greedy mode), and
   * stopping early after a token for which `isStop(token)` is true.
   */
  draft(
    n: number,
    choose: (q: Distribution) => TokenId,
    isStop: (token: TokenId) => boolean,
  ): Promise<DraftBlock>;
  /**
   * Make `tokens` the committed output after the context: the drafter keeps
   * whatever prefix of its cache still matches and re-evaluates only the rest.
   */
  commit(tokens: readonly TokenId[]): Promise<void>;
  /** Release the engine's resources (KV cache, worker, model). */
  dispose(): Promise<void>;
}

/** Scores of one position, as a cloud model sees the public sequence. */
export interface PositionScore {
  /** Top-K of the model's distribution at this position. */
  top: TopLogprobs;
  /**
   * log-probability of the token that actually follows at this position in the
   * scored sequence, or null at the final position (nothing follows it).
   */
  tokenLogprob: number | null;
}

/**
 * One scoring session of one cloud model (target or reference) over a growing
 * public sequence. Implementations may keep state (the llama.cpp backend keeps
 * the KV cache of the sequence and evaluates only new tokens); a session never
 * sees private context.
 */
export interface ScoringSession {
  /**
   * Score `tokens` from position `from` on: returns one entry per position
   * j = from .. tokens.length, where entry j describes the distribution of the
   * token at index j given tokens[0..j) — so the last entry is the next-token
   * distribution after the whole sequence (tokenLogprob null). `from` ≥ 1.
   */
  score(tokens: readonly TokenId[], from: number, topK: number): Promise<PositionScore[]>;
  close(): Promise<void>;
}

/** A cloud model that can open scoring sessions. */
export interface Scorer {
  readonly vocabSize: number;
  openSession(): Promise<ScoringSession>;
}
