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
  /** y_1..y_n, n ≤ requested (fewer when a stop token was drawn or the context is full). */
  tokens: TokenId[];
  /**
   * q_1..q_{n+1}: `distributions[i]` is the distribution y_{i+1} was drawn from;
   * the last one is q at the position after the last draft token, needed when
   * every draft token is accepted (the bonus token is drawn from π there).
   */
  distributions: Distribution[];
  /**
   * s_1..s_{n+1}: the same small model at the same positions, on the PUBLIC
   * context only (public prompt + committed output + the draft). Public: the
   * cloud could compute it; the device sends s at the drafted tokens. When the
   * device context holds nothing private, s is q itself (the same arrays).
   */
  references: Distribution[];
}

/** The two contexts a drafter keeps: the device's (private) and the cloud's (public). */
export interface DraftContext {
  /** BOS, private history/profile/snippets, then the public prompt — never sent anywhere. */
  device: readonly TokenId[];
  /** BOS and the public prompt exactly as the verifier scores it (a suffix of `device` after BOS). */
  public: readonly TokenId[];
}

/**
 * Whether the device context is the public one, token for token: nothing
 * private to draft with, so a drafter returns q itself as s (q = s exactly).
 */
export function isPublicOnly(context: DraftContext): boolean {
  return (
    context.device.length === context.public.length &&
    context.device.every((t, i) => t === context.public[i])
  );
}

/**
 * The device model. It holds the private context; nothing it returns other
 * than drafted token ids and s may be sent anywhere.
 */
export interface Drafter {
  readonly vocabSize: number;
  /**
   * Start a generation: prefill both contexts. The committed output starts empty.
   * Rejects with a RangeError when the device context does not fit the model.
   */
  begin(context: DraftContext): Promise<void>;
  /**
   * Draft up to `n` tokens after the committed output, choosing each with
   * `choose(q)` (sampling with the device's RNG, or argmax in greedy mode),
   * stopping early after a token for which `isStop(token)` is true or when the
   * device context is full; then score s over the same positions.
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
  /** How many more output tokens the device context can hold after `outputLength` committed ones. */
  room(outputLength: number): number;
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
  /**
   * One draw from this position's full distribution restricted to the tokens
   * outside `excluded`, with the uniform `u` (null when they have no mass).
   * Only scorers that hold the whole distribution (llama.cpp, tables) have it;
   * with it the correction's tail is exact in law (math/correction.ts).
   */
  sampleOutside?(excluded: ReadonlySet<TokenId>, u: number): TokenId | null;
}

/** What a scoring call asks for. */
export interface ScoreOptions {
  /** How many top entries each position reports. */
  topK: number;
  /**
   * Temperature T of the session: scorers report p^(1/T) normalized, tempered
   * over the full distribution where they hold it (exact), over what they
   * report otherwise (vLLM: an approximation). 0 and 1 mean untempered.
   */
  temperature: number;
}

/**
 * One scoring session of the cloud model (the target) over a growing
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
  score(tokens: readonly TokenId[], from: number, options: ScoreOptions): Promise<PositionScore[]>;
  close(): Promise<void>;
}

/** A cloud model that can open scoring sessions. */
export interface Scorer {
  readonly vocabSize: number;
  openSession(): Promise<ScoringSession>;
}
