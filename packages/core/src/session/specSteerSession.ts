// The session loop as the device runs it (docs/design.md, protocol round
// semantics): draft k tokens with the private context, with s on the public
// context alongside → the cloud verifies them on public data → commit the
// accepted prefix → recover one token from the correction with the q and s
// the drafter already computed (greedy mode: commit the prefix that is argmax
// π, then argmax π) → repeat. The device's tokens ride on the next `draft`.
// When the connection drops, the loop reconnects (any replica) and resumes
// from the public prompt and the committed tokens. The device's randomness
// comes from streams keyed by its secret and the round, the server's from the
// session seed and the round, so a resumed run emits exactly what an
// uninterrupted one would, and the server cannot replay the device.

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
import type { DraftBlock, DraftContext, Drafter, TokenId } from '../engine.ts';
import { argmax } from '../math/categorical.ts';
import { chooseDraftToken } from '../math/draft.ts';
import { greedyCommit, sampledCommit, type RoundPosition } from '../math/recover.ts';
import type { Correction, SamplingParams } from '../math/types.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { RunMetricsRecorder } from '../metrics/runMetrics.ts';
import { deviceSecretFromSeed, deviceStream, newDeviceSecret, type DeviceSecret } from '../rng.ts';
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
import type { DraftLengthPolicy, RoundObservation } from './adaptiveDraft.ts';
import {
  greedyOrigin,
  recoveredOrigin,
  type CommittedToken,
  type TokenOrigin,
} from './tokenOrigin.ts';

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
   * The device's context (BOS, private history, then the public prompt —
   * never sent anywhere) and the public context the cloud scores (BOS and
   * the public prompt), both tokenized.
   */
  context: DraftContext;
  /** What the cloud sees: the public prompt only. */
  prompt: PublicPrompt;
  /** The drafter's tokenizer fingerprint; the server must report the same. */
  tokenizerFingerprint: string;
  sampling: GenerationSampling;
  /** Draft tokens per round (k), further capped by the server and by maxTokens. 0 = token-level fusion. */
  draftTokens: number;
  /**
   * Choose k per round (e.g. adaptiveDraftLength() from the running acceptance
   * and the measured round trip); draftTokens is then the most it may choose.
   * Without it every round drafts draftTokens.
   */
  draftPolicy?: DraftLengthPolicy;
  /**
   * Keys the device's draft and recovery randomness; never sent. Default: a
   * fresh secret from the platform's CSPRNG — or, when `reproducible` is set,
   * one derived from sampling.seed (a replayable run: tests, benchmarks, --seed).
   */
  deviceSecret?: DeviceSecret;
  reproducible?: boolean;
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
   * Draft the next round while this round's verdict travels (docs/design.md,
   * "drafting pipelined behind verification"): guess that the cloud accepts
   * the whole draft and that the bonus token is argmax q, and draft round r+1
   * after that guess with round r+1's own stream. The guess is used only when
   * it comes true, so the output is exactly the sequential loop's.
   */
  pipeline?: boolean;
  /**
   * When the verifier is unreachable or failing mid-answer, continue on the
   * device model alone instead of giving up: after `afterFailures` consecutive
   * failed attempts (default 2) the loop drafts and commits tokens itself
   * (origin 'local'), and every `retryEveryTokens` local tokens (default 16)
   * tries the verifier again; once it answers, the session resumes there with
   * every committed token and verification continues. Off when omitted.
   */
  localFallback?: { afterFailures?: number; retryEveryTokens?: number };
  /** Told when the loop switches to the local model alone ('local') and back to the verifier ('cloud'). */
  onConnectivity?(state: 'local' | 'cloud', cause?: unknown): void;
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
  private readonly secret: DeviceSecret;
  private readonly stopTokens: ReadonlySet<TokenId>;
  private readonly sessionId: string;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly recorder: RunMetricsRecorder;
  private readonly policy: Required<ReconnectPolicy>;

  /** The output, as the device knows it: the truth that resume restores. */
  private readonly output: TokenId[] = [];
  private readonly origins: TokenOrigin[] = [];
  /** Tokens the device committed after the last verdict, not yet told to the server (they ride on the next draft). */
  private pending: TokenId[] = [];
  private round = 0;
  private everOpened = false;
  private transport: ClientTransport | null = null;
  /** A draft made ahead for a guessed output (pipeline mode). */
  private prefetched: PrefetchedDraft | null = null;
  private pipelinedRounds = 0;
  /** Every draft token sent, as "index:token" (a resent round counts once), for metrics.unseenDrafts. */
  private readonly sentDrafts = new Set<string>();
  private limits: Limits | null = null;
  /** What the draft-length policy learns from: the set-up exchange and each round. */
  private handshakeMs: number | null = null;
  private readonly observations: RoundObservation[] = [];
  /** The policy's k for each round, decided once (a block drafted ahead keeps its length). */
  private readonly policyK = new Map<number, number>();
  /** Local-fallback steps so far: each draws from its own device stream. */
  private localSteps = 0;

  constructor(options: SpecSteerSessionOptions) {
    this.options = options;
    this.sampling = withSamplingDefaults(options.sampling);
    const { temperature, alpha, topK } = this.sampling;
    this.params = { temperature, alpha, topK };
    this.secret =
      options.deviceSecret ??
      (options.reproducible ? deviceSecretFromSeed(this.sampling.seed) : newDeviceSecret());
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
    await this.recorder.drafting(() => drafter.begin(this.options.context));
    let failures = 0;
    let finish: FinishReason | null = null;
    const fallback = this.options.localFallback;
    /** Local tokens since the loop last tried the verifier (null: the verifier is in use). */
    let localSinceTry: number | null = null;
    try {
      while (finish === null) {
        if (this.options.signal?.aborted) {
          await this.closeSession();
          throw new GenerationCancelledError([...this.output], [...this.origins]);
        }
        if (localSinceTry !== null && localSinceTry < (fallback?.retryEveryTokens ?? 16)) {
          const before = this.output.length;
          finish = await this.localStep();
          localSinceTry += this.output.length - before;
          continue;
        }
        try {
          if (this.transport === null) await this.connectAndSync();
          if (localSinceTry !== null) {
            localSinceTry = null;
            this.options.onConnectivity?.('cloud');
          }
          finish = await this.step();
          failures = 0;
        } catch (error) {
          if (!isRetryable(error)) throw error;
          failures++;
          this.dropTransport();
          if (localSinceTry !== null) {
            // Still unreachable: another stretch on the device alone, then try again.
            localSinceTry = 0;
            continue;
          }
          if (fallback !== undefined && failures >= (fallback.afterFailures ?? 2)) {
            localSinceTry = 0;
            this.options.onConnectivity?.('local', error);
            continue;
          }
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
      // The closing exchange is part of the run's wall time (totalMs: handshake to close).
      await this.closeSession();
      const metrics = this.recorder.finish(this.output.length);
      if (this.options.pipeline) metrics.pipelinedRounds = this.pipelinedRounds;
      metrics.unseenDrafts = [...this.sentDrafts].filter((key) => {
        const [index, token] = key.split(':').map(Number) as [number, number];
        return this.output[index] !== token;
      }).length;
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
    // A session that began on the device alone resumes with its local tokens, as after a drop.
    const resuming = this.everOpened || this.output.length > 0;
    if (resuming) this.recorder.resumed();
    const setupStarted = this.clock();
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
    this.handshakeMs ??= this.clock() - setupStarted;
    // The server now holds every committed token, the device's last ones included.
    this.everOpened = true;
    this.pending = [];
  }

  private wireSampling() {
    const s = this.sampling;
    // α and the device secret stay on the device; nothing here depends on the private context.
    return {
      temperature: s.temperature,
      seed: s.seed,
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
    // The device's own context is full: it ends the generation itself (the server never learns its size).
    if (this.options.drafter.room(this.output.length) === 0) return 'length';
    const k = this.draftLength(round, this.output.length);
    const draftStarted = this.clock();
    const block: DraftBlock =
      this.takePrefetched(round) ??
      (await this.recorder.drafting(() => this.draftAfter(round, this.output)));
    const draftMs = this.clock() - draftStarted;
    const n = block.tokens.length;
    if (n > k || block.distributions.length !== n + 1 || block.references.length !== n + 1) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `the drafter returned ${n} tokens, ${block.distributions.length} q and ${block.references.length} s for k = ${k}; expected ≤ k tokens and one more of each`,
      );
    }
    const greedy = this.sampling.temperature === 0;

    block.tokens.forEach((token, i) => this.sentDrafts.add(`${this.output.length + i}:${token}`));
    const exchangeStarted = this.clock();
    let exchangeMs = 0;
    const exchange = this.recorder.exchange(async () => {
      transport.send({
        type: 'draft',
        sessionId: this.sessionId,
        round,
        ...(this.pending.length > 0 && { committed: [...this.pending] }),
        tokens: block.tokens,
      });
      const verdict = await this.expectVerdict(transport, round);
      exchangeMs = this.clock() - exchangeStarted;
      return verdict;
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

    // `output` already holds the pending tokens the server appends first.
    const corrections = verdict.corrections as Correction[] | null;
    if (
      verdict.committedTokens !== this.output.length ||
      (corrections !== null && corrections.length !== n + 1)
    ) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `verdict of round ${round} has ${verdict.committedTokens} committed and ${corrections?.length ?? 0} corrections; expected ${this.output.length} and ${n + 1}`,
      );
    }
    this.pending = [];
    this.round = round + 1;
    if (verdict.finish != null) return verdict.finish;
    if (corrections === null) {
      throw new SpecSteerError(
        ErrorCode.INTERNAL,
        `verdict of round ${round} has neither corrections nor a finish`,
      );
    }
    const positions: RoundPosition[] = corrections.map((correction, i) => ({
      correction,
      q: block.distributions[i]!,
      s: block.references[i]!,
    }));
    const recoverStarted = this.clock();
    const committed = await this.recorder.recovering(async () =>
      greedy ? this.greedyTokens(block, positions) : this.sampledTokens(round, block, positions),
    );
    const accepted = committed.filter((c) => c.origin === 'accepted').length;
    this.recorder.round(n, accepted, verdict.timing?.scoreMs);
    this.observations.push({
      drafted: n,
      accepted,
      draftMs,
      recoverMs: this.clock() - recoverStarted,
      exchangeMs,
      ...(verdict.timing?.scoreMs !== undefined && { serverMs: verdict.timing.scoreMs }),
    });
    for (const { token, origin } of committed) {
      this.commit(token, origin);
      this.pending.push(token);
      if (this.stopTokens.has(token)) return 'stop';
      if (this.output.length >= this.sampling.maxTokens) return 'length';
    }
    return null;
  }

  /** Sampled mode: speculative sampling against π̂ with the device's own stream, the last token labelled. */
  private sampledTokens(
    round: number,
    block: DraftBlock,
    positions: RoundPosition[],
  ): { token: TokenId; origin: TokenOrigin }[] {
    const rng = deviceStream(this.secret, round, 'recover');
    const { tokens, agreed, lastUniform } = sampledCommit(
      block.tokens,
      positions,
      this.params,
      () => rng.uniform(),
    );
    const last = positions[agreed]!;
    // A label for the UI, outside the algorithm: the same draw with α = 0 (tokenOrigin.ts).
    const origin = recoveredOrigin({
      token: tokens[agreed]!,
      correction: last.correction,
      q: last.q,
      s: last.s,
      rejectedToken: agreed < block.tokens.length ? block.tokens[agreed]! : null,
      sampling: this.params,
      uniform: () => lastUniform!,
    });
    return tokens.map((token, i) => ({ token, origin: i < agreed ? 'accepted' : origin }));
  }

  /** Greedy mode: the agreeing draft prefix, then argmax π where it disagreed (or the bonus). */
  private greedyTokens(
    block: DraftBlock,
    positions: RoundPosition[],
  ): { token: TokenId; origin: TokenOrigin }[] {
    const { tokens, agreed } = greedyCommit(block.tokens, positions, this.params.alpha);
    return tokens.map((token, i) => ({
      token,
      origin: i < agreed ? 'accepted' : greedyOrigin(positions[i]!, token),
    }));
  }

  /**
   * The cloud is unreachable: draft one block on the device alone, from q
   * with the private context, and commit all of it (origin 'local'). The
   * server learns these tokens when the session resumes (as the output it
   * would see anyway); nothing else leaves the device.
   */
  private async localStep(): Promise<FinishReason | null> {
    const { drafter } = this.options;
    const room = Math.min(
      this.sampling.maxTokens - this.output.length,
      drafter.room(this.output.length),
    );
    if (room <= 0) return 'length';
    const k = Math.max(
      1,
      Math.min(this.options.draftTokens, this.limits?.maxDraftTokens ?? Infinity, room),
    );
    const rng = deviceStream(this.secret, this.localSteps++, 'local-fallback');
    const block = await this.recorder.drafting(async () => {
      await drafter.commit(this.output);
      return drafter.draft(
        k,
        (q) => chooseDraftToken(q, this.sampling.temperature, () => rng.uniform()),
        (token) => this.stopTokens.has(token),
      );
    });
    if (block.tokens.length === 0) return 'length';
    for (const token of block.tokens) {
      this.commit(token, 'local');
      if (this.stopTokens.has(token)) return 'stop';
      if (this.output.length >= this.sampling.maxTokens) return 'length';
    }
    return null;
  }

  /** k for `round`, starting at `outputLength`: the caller's k (or its policy's), the server's limit, the room left. */
  private draftLength(round: number, outputLength: number): number {
    const room = this.sampling.maxTokens - outputLength;
    const most = Math.min(this.options.draftTokens, this.limits?.maxDraftTokens ?? Infinity);
    let k = most;
    const policy = this.options.draftPolicy;
    if (policy !== undefined && most > 0) {
      let chosen = this.policyK.get(round);
      if (chosen === undefined) {
        const wanted = policy({
          round,
          maxDraftTokens: most,
          handshakeMs: this.handshakeMs,
          rounds: this.observations,
        });
        chosen = Number.isFinite(wanted) ? Math.min(most, Math.max(1, Math.round(wanted))) : most;
        this.policyK.set(round, chosen);
      }
      k = chosen;
    }
    return Math.max(0, Math.min(k, room));
  }

  /** Round `round`'s draft after `output`, with that round's own 'draft' stream. */
  private async draftAfter(round: number, output: readonly TokenId[]): Promise<DraftBlock> {
    const { drafter } = this.options;
    const draftRng = deviceStream(this.secret, round, 'draft');
    await drafter.commit(output);
    return drafter.draft(
      this.draftLength(round, output.length),
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
      output.length >= this.sampling.maxTokens ||
      this.options.drafter.room(output.length) === 0;
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

  /** Tell the server we are done (with the device's last tokens), best effort. */
  private async closeSession(): Promise<void> {
    const transport = this.transport;
    if (transport === null || transport.closed) return;
    try {
      transport.send({
        type: 'close',
        sessionId: this.sessionId,
        ...(this.pending.length > 0 && { committed: [...this.pending] }),
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
