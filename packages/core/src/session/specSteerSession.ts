// The session loop as the device runs it (docs/design.md §2, protocol round
// semantics): draft k tokens with the private context → the cloud verifies
// them on public data → commit the accepted prefix → recover one token from
// the correction with the q the drafter already computed → repeat. The
// recovered token rides on the next `draft`. When the connection drops, the
// loop reconnects (any replica) and resumes from the public prompt and the
// committed tokens; randomness comes from streams named by (seed, round,
// purpose), so a resumed run emits exactly what an uninterrupted one would.

import {
  ErrorCode,
  PROTOCOL_VERSION,
  SpecSteerError,
  assertSupportedProtocolVersion,
  type ChatMessage,
  type ClientMessageInput,
  type FinishReason,
  type Limits,
  type ServerMessage,
  type Verdict,
} from '@specsteer/protocol';
import type { DraftBlock, Drafter, TokenId } from '../engine.ts';
import { argmax } from '../math/categorical.ts';
import { chooseDraftToken } from '../math/draft.ts';
import { recoverToken } from '../math/recover.ts';
import type { SamplingParams } from '../math/types.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { RunMetricsRecorder } from '../metrics/runMetrics.ts';
import { rngStream } from '../rng.ts';
import {
  TransportClosedError,
  type ClientTransport,
  type TransportFactory,
} from '../transport/clientTransport.ts';
import {
  withSamplingDefaults,
  type GenerationResult,
  type GenerationSampling,
} from './generationResult.ts';
import { recoveredOrigin, type CommittedToken, type TokenOrigin } from './tokenOrigin.ts';

export type PublicPrompt = { messages: ChatMessage[] } | { tokens: TokenId[] };

export interface ReconnectPolicy {
  /** Consecutive failed attempts before giving up (default 5). */
  maxAttempts?: number;
  /** First backoff delay; doubles each attempt (default 100 ms). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A reply slower than this counts as a dropped connection (default 60 s). */
  replyTimeoutMs?: number;
}

export interface SpecSteerSessionOptions {
  /** Opens a connection to a verifier (called again to reconnect). */
  connect: TransportFactory;
  drafter: Drafter;
  /**
   * The device's whole context, tokenized: BOS, private history, then the
   * public prompt (renderOfflinePrompt). Never sent anywhere.
   */
  contextTokens: readonly TokenId[];
  /** What the cloud sees: the public prompt only. */
  prompt: PublicPrompt;
  /** The drafter's tokenizer fingerprint; the server must report the same. */
  tokenizerFingerprint: string;
  sampling: GenerationSampling;
  /** Draft tokens per round (k), further capped by the server and by maxTokens. 0 = token-level fusion. */
  draftTokens: number;
  apiKey?: string;
  sessionId?: string;
  reconnect?: ReconnectPolicy;
  /**
   * Checked before each round (an AbortController's signal fits): once
   * aborted, the loop closes the session and rejects with GenerationCancelledError.
   */
  signal?: { readonly aborted: boolean };
  /** Every committed token, in order, exactly once. */
  onToken?(token: CommittedToken): void;
  /**
   * Draft the next round while this round's verdict travels (docs/design.md §2,
   * "drafting pipelined behind verification"): guess that the cloud accepts
   * the whole draft and that the bonus token is argmax q, and draft round r+1
   * after that guess with round r+1's own stream. The guess is used only when
   * it comes true, so the output is exactly the sequential loop's.
   */
  pipeline?: boolean;
  /** Metrics label: 'token-fusion' when draftTokens is 0 by design. */
  method?: 'specsteer' | 'token-fusion';
  client?: { name: string; version: string };
  clock?: Clock;
  sleep?(ms: number): Promise<void>;
}

interface PrefetchedDraft {
  round: number;
  /** The guessed output the draft continues. */
  output: TokenId[];
  block: DraftBlock;
}

/** The loop gave up reconnecting; `cause` is the last failure. */
export class GenerationAbortedError extends Error {
  readonly code = 'RECONNECT_GAVE_UP' as const;
  constructor(
    message: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'GenerationAbortedError';
  }
}

/** The caller aborted; the tokens committed so far (all already reported by onToken) come with it. */
export class GenerationCancelledError extends Error {
  readonly code = 'CANCELLED' as const;
  constructor(
    readonly tokens: TokenId[],
    readonly origins: TokenOrigin[],
  ) {
    super(`generation cancelled after ${tokens.length} tokens`);
    this.name = 'GenerationCancelledError';
  }
}

/** No reply in time: handled like a dropped connection. */
class ReplyTimeoutError extends Error {
  constructor(ms: number) {
    super(`no reply from the verifier within ${ms} ms`);
    this.name = 'ReplyTimeoutError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function newSessionId(): string {
  return `s${Date.now().toString(36)}${Math.floor(Math.random() * 2 ** 40).toString(36)}`;
}

/** Run one generation to its end (stop token or maxTokens). */
export function runSpecSteer(options: SpecSteerSessionOptions): Promise<GenerationResult> {
  return new SpecSteerSession(options).run();
}

class SpecSteerSession {
  private readonly options: SpecSteerSessionOptions;
  private readonly sampling: Required<GenerationSampling>;
  private readonly params: SamplingParams;
  private readonly stopTokens: ReadonlySet<TokenId>;
  private readonly sessionId: string;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly recorder: RunMetricsRecorder;
  private readonly policy: Required<ReconnectPolicy>;

  /** The output, as the device knows it: the truth that resume restores. */
  private readonly output: TokenId[] = [];
  private readonly origins: TokenOrigin[] = [];
  /** The last recovered token, not yet told to the server (it rides on the next draft). */
  private pendingRecovered: TokenId | null = null;
  private round = 0;
  private everOpened = false;
  private transport: ClientTransport | null = null;
  /** A draft made ahead for a guessed output (pipeline mode). */
  private prefetched: PrefetchedDraft | null = null;
  private pipelinedRounds = 0;
  private limits: Limits | null = null;

  constructor(options: SpecSteerSessionOptions) {
    this.options = options;
    this.sampling = withSamplingDefaults(options.sampling);
    const { temperature, alpha, leniency, tau, topK } = this.sampling;
    this.params = { temperature, alpha, leniency, tau, topK };
    this.stopTokens = new Set(this.sampling.stopTokens);
    this.sessionId = options.sessionId ?? newSessionId();
    this.clock = options.clock ?? monotonicClock;
    this.sleep = options.sleep ?? defaultSleep;
    this.recorder = new RunMetricsRecorder(options.method ?? 'specsteer', this.clock);
    this.policy = {
      maxAttempts: options.reconnect?.maxAttempts ?? 5,
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5_000,
      replyTimeoutMs: options.reconnect?.replyTimeoutMs ?? 60_000,
    };
    if (!Number.isInteger(options.draftTokens) || options.draftTokens < 0) {
      throw new SpecSteerError(
        ErrorCode.INVALID_MESSAGE,
        `draftTokens is ${options.draftTokens}; expected an integer ≥ 0`,
      );
    }
  }

  async run(): Promise<GenerationResult> {
    const { drafter } = this.options;
    await this.recorder.drafting(() => drafter.begin(this.options.contextTokens));
    let failures = 0;
    let finish: FinishReason | null = null;
    try {
      while (finish === null) {
        if (this.options.signal?.aborted) {
          await this.closeSession();
          throw new GenerationCancelledError([...this.output], [...this.origins]);
        }
        try {
          if (this.transport === null) await this.connectAndSync();
          finish = await this.step();
          failures = 0;
        } catch (error) {
          if (!isRetryable(error)) throw error;
          failures++;
          this.dropTransport();
          if (failures > this.policy.maxAttempts) {
            throw new GenerationAbortedError(
              `gave up after ${this.policy.maxAttempts} reconnect attempts: ${describe(error)}`,
              failures - 1,
              error,
            );
          }
          await this.sleep(this.backoffMs(failures, error));
        }
      }
      const metrics = this.recorder.finish(this.output.length);
      if (this.options.pipeline) metrics.pipelinedRounds = this.pipelinedRounds;
      await this.closeSession();
      return { tokens: [...this.output], origins: [...this.origins], finish, metrics };
    } finally {
      this.dropTransport();
    }
  }

  // ── connection ─────────────────────────────────────────────────────────

  /** hello + open (or resume), pipelined: one round trip. */
  private async connectAndSync(): Promise<void> {
    const transport = await this.options.connect();
    this.transport = transport;
    const resuming = this.everOpened;
    if (resuming) this.recorder.resumed();
    await this.recorder.exchange(async () => {
      transport.send({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        tokenizerFingerprint: this.options.tokenizerFingerprint,
        ...(this.options.apiKey !== undefined && { apiKey: this.options.apiKey }),
        ...(this.options.client !== undefined && { client: this.options.client }),
      });
      const prompt = this.options.prompt;
      const sampling = this.wireSampling();
      // Everything the server learns: the public prompt, the sampling settings, the committed output.
      transport.send(
        resuming
          ? {
              type: 'resume',
              sessionId: this.sessionId,
              prompt,
              sampling,
              committedTokens: [...this.output],
              round: this.round,
            }
          : { type: 'open', sessionId: this.sessionId, prompt, sampling },
      );
      const welcome = await this.expect(transport, 'welcome');
      assertSupportedProtocolVersion(welcome.protocolVersion);
      if (
        welcome.tokenizerFingerprint !== this.options.tokenizerFingerprint ||
        welcome.vocabSize !== this.options.drafter.vocabSize
      ) {
        throw new SpecSteerError(
          ErrorCode.TOKENIZER_MISMATCH,
          `the verifier's tokenizer (${welcome.tokenizerFingerprint}, ${welcome.vocabSize} tokens) differs from the drafter's ` +
            `(${this.options.tokenizerFingerprint}, ${this.options.drafter.vocabSize} tokens); use the same model family on both sides`,
        );
      }
      this.limits = welcome.limits;
      if (resuming) {
        const resumed = await this.expect(transport, 'resumed');
        if (resumed.committedTokens !== this.output.length || resumed.round !== this.round) {
          throw new SpecSteerError(
            ErrorCode.INTERNAL,
            `the verifier resumed at ${resumed.committedTokens} tokens / round ${resumed.round}, expected ${this.output.length} / ${this.round}`,
          );
        }
      } else {
        await this.expect(transport, 'opened');
      }
    });
    // The server now holds every committed token, the last recovered one included.
    this.everOpened = true;
    this.pendingRecovered = null;
  }

  private wireSampling() {
    const s = this.sampling;
    return {
      temperature: s.temperature,
      seed: s.seed,
      alpha: s.alpha,
      leniency: s.leniency,
      tau: s.tau,
      topK: s.topK,
      maxTokens: s.maxTokens,
      stopTokens: [...s.stopTokens],
    };
  }

  // ── one round ──────────────────────────────────────────────────────────

  /** Draft, verify, commit, recover. Local state changes only once the verdict is in. */
  private async step(): Promise<FinishReason | null> {
    const transport = this.transport!;
    const round = this.round;
    const k = this.draftLength(this.output.length);
    const block: DraftBlock =
      this.takePrefetched(round) ??
      (await this.recorder.drafting(() => this.draftAfter(round, this.output)));
    if (block.tokens.length > k || block.distributions.length !== block.tokens.length + 1) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `the drafter returned ${block.tokens.length} tokens and ${block.distributions.length} distributions for k = ${k}; expected ≤ k tokens and one more distribution`,
      );
    }

    const exchange = this.recorder.exchange(async () => {
      transport.send({
        type: 'draft',
        sessionId: this.sessionId,
        round,
        ...(this.pendingRecovered !== null && { committed: this.pendingRecovered }),
        tokens: block.tokens,
      });
      return this.expectVerdict(transport, round);
    });
    // The drafter is free while the verdict travels; it must be idle again before anything else uses it.
    const speculation = this.options.pipeline
      ? this.speculate(round, block)
      : Promise.resolve(null);
    let verdict: Verdict;
    try {
      verdict = await exchange;
    } finally {
      this.prefetched = await speculation;
    }

    const expectedLength = this.output.length + verdict.accepted;
    if (verdict.accepted > block.tokens.length || verdict.committedTokens !== expectedLength) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `verdict of round ${round} accepts ${verdict.accepted} of ${block.tokens.length} tokens with ${verdict.committedTokens} committed; expected ${expectedLength}`,
      );
    }
    this.recorder.round(block.tokens.length, verdict.accepted, verdict.timing?.scoreMs);
    this.pendingRecovered = null;
    this.round = round + 1;
    for (const token of block.tokens.slice(0, verdict.accepted)) this.commit(token, 'accepted');
    if (verdict.finish != null) return verdict.finish;
    if (verdict.correction === null) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `verdict of round ${round} has neither a correction nor a finish`,
      );
    }

    const correction = verdict.correction;
    const rejected =
      verdict.accepted < block.tokens.length ? block.tokens[verdict.accepted]! : null;
    const recoverRng = rngStream(this.sampling.seed, round, 'recover');
    const token = await this.recorder.drafting(() =>
      recoverToken({
        correction,
        q: block.distributions[verdict.accepted]!,
        rejectedToken: rejected,
        sampling: this.params,
        uniform: streamUniform(recoverRng),
      }),
    );
    // A label for the UI, outside the algorithm: one more recovery with α = 0 (tokenOrigin.ts).
    const origin = recoveredOrigin({
      token,
      correction,
      q: block.distributions[verdict.accepted]!,
      rejectedToken: rejected,
      sampling: this.params,
      uniform: streamUniform(rngStream(this.sampling.seed, round, 'recover')),
    });
    this.commit(token, origin);
    this.pendingRecovered = token;
    if (this.stopTokens.has(token)) return 'stop';
    if (this.output.length >= this.sampling.maxTokens) return 'length';
    return null;
  }

  /** k for a round that starts at `outputLength`: the caller's k, the server's limit, the room left. */
  private draftLength(outputLength: number): number {
    const room = this.sampling.maxTokens - outputLength;
    return Math.min(this.options.draftTokens, this.limits?.maxDraftTokens ?? Infinity, room);
  }

  /** Round `round`'s draft after `output`, with that round's own 'draft' stream. */
  private async draftAfter(round: number, output: readonly TokenId[]): Promise<DraftBlock> {
    const { drafter } = this.options;
    const draftRng = rngStream(this.sampling.seed, round, 'draft');
    await drafter.commit(output);
    return drafter.draft(
      this.draftLength(output.length),
      (q) => chooseDraftToken(q, this.sampling.temperature, () => draftRng.uniform()),
      (token) => this.stopTokens.has(token),
    );
  }

  /**
   * Pipeline mode: draft round+1 after the guess "all of `block` accepted,
   * bonus = argmax q". Never throws: a failed guess is just no guess.
   */
  private async speculate(round: number, block: DraftBlock): Promise<PrefetchedDraft | null> {
    const last = block.tokens.at(-1);
    const guess = argmax(block.distributions[block.tokens.length]!);
    const output = [...this.output, ...block.tokens, guess];
    const ends =
      (last !== undefined && this.stopTokens.has(last)) ||
      this.stopTokens.has(guess) ||
      output.length >= this.sampling.maxTokens;
    if (ends) return null;
    try {
      const next = await this.recorder.drafting(() => this.draftAfter(round + 1, output));
      return { round: round + 1, output, block: next };
    } catch {
      return null;
    }
  }

  /** The prefetched draft when its guess came true (same round, same output), else null. */
  private takePrefetched(round: number): DraftBlock | null {
    const prefetched = this.prefetched;
    this.prefetched = null;
    if (
      prefetched === null ||
      prefetched.round !== round ||
      prefetched.output.length !== this.output.length ||
      prefetched.output.some((token, i) => token !== this.output[i])
    ) {
      return null;
    }
    this.pipelinedRounds++;
    return prefetched.block;
  }

  private commit(token: TokenId, origin: TokenOrigin): void {
    const index = this.output.length;
    this.output.push(token);
    this.origins.push(origin);
    this.options.onToken?.({ token, origin, index });
  }

  // ── replies ────────────────────────────────────────────────────────────

  private async expectVerdict(transport: ClientTransport, round: number): Promise<Verdict> {
    for (;;) {
      const verdict = await this.expect(transport, 'verdict');
      if (verdict.round === round) return verdict;
      // A verdict of another round cannot happen on an ordered connection; resync.
      throw new SpecSteerError(
        ErrorCode.OUT_OF_ORDER_ROUND,
        `got the verdict of round ${verdict.round} while waiting for ${round}`,
      );
    }
  }

  /**
   * The next message of `type` for this session. Errors for this session (or
   * for the connection) are thrown as SpecSteerError; other sessions' traffic
   * and pongs are skipped.
   */
  private async expect<T extends ServerMessage['type']>(
    transport: ClientTransport,
    type: T,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    for (;;) {
      const message = await this.withTimeout(transport.receive());
      if (message.type === 'error') {
        if (message.sessionId === undefined || message.sessionId === this.sessionId) {
          throw SpecSteerError.fromFrame(message);
        }
        continue;
      }
      if (message.type === 'closed' && message.sessionId === this.sessionId) {
        // The server dropped our session (idle timeout, shutdown): resume it.
        throw new SpecSteerError(
          ErrorCode.UNKNOWN_SESSION,
          `the verifier closed the session (${message.reason})`,
        );
      }
      if (
        message.type === type &&
        (!('sessionId' in message) || message.sessionId === this.sessionId)
      ) {
        return message as Extract<ServerMessage, { type: T }>;
      }
    }
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    const ms = this.policy.replyTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReplyTimeoutError(ms)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // ── ending ─────────────────────────────────────────────────────────────

  /** Tell the server we are done (with the last recovered token), best effort. */
  private async closeSession(): Promise<void> {
    const transport = this.transport;
    if (transport === null || transport.closed) return;
    try {
      transport.send({
        type: 'close',
        sessionId: this.sessionId,
        ...(this.pendingRecovered !== null && { committed: this.pendingRecovered }),
      } satisfies ClientMessageInput);
      const closed = (async () => {
        for (;;) {
          const message = await transport.receive();
          if (
            (message.type === 'closed' || message.type === 'error') &&
            message.sessionId === this.sessionId
          )
            return;
        }
      })().catch(() => undefined);
      await Promise.race([closed, this.sleep(1_000)]);
    } catch {
      // The output is complete on the device; a failed goodbye changes nothing.
    }
  }

  private dropTransport(): void {
    this.transport?.close('session loop done or reconnecting');
    this.transport = null;
  }

  private backoffMs(attempt: number, error: unknown): number {
    const exponential = Math.min(
      this.policy.maxDelayMs,
      this.policy.initialDelayMs * 2 ** (attempt - 1),
    );
    const retryAfter =
      error instanceof SpecSteerError && typeof error.data?.retryAfterMs === 'number'
        ? error.data.retryAfterMs
        : 0;
    return Math.max(exponential, retryAfter);
  }
}

/** Worth reconnecting and resuming for: a dropped or silent connection, or a retryable protocol error. */
function isRetryable(error: unknown): boolean {
  if (error instanceof TransportClosedError || error instanceof ReplyTimeoutError) return true;
  if (error instanceof SpecSteerError) return error.retryable;
  return (error as { code?: unknown } | null)?.code === 'CONNECT_FAILED';
}

function streamUniform(rng: { uniform(): number }): () => number {
  return () => rng.uniform();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
