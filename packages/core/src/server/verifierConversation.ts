// One connection's conversation with a device, as pure core code: the
// verifier app parses frames, hands messages here, and sends back what this
// returns. It enforces the protocol's rules with its error codes, keeps one
// ScoringSession per model per session (llama.cpp keeps the KV cache there)
// and never lets one session's failure touch another's.

import {
  ErrorCode,
  SpecSteerError,
  assertSupportedProtocolVersion,
  checkLimits,
  checkTokenRange,
  parseClientFrame,
  type ChatMessage,
  type ClientMessage,
  type Close,
  type Draft,
  type FinishReason,
  type Hello,
  type Limits,
  type Open,
  type ParseResult,
  type Resume,
  type Sampling,
  type ServerMessage,
} from '@specsteer/protocol';
import { ChatTemplateError } from '../chat/offlineTemplate.ts';
import type { Scorer, ScoringSession, TokenId } from '../engine.ts';
import type { Correction, SamplingParams } from '../math/types.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { rngStream } from '../rng.ts';
import type { ConversationHooks } from './conversationHooks.ts';
import { verifyRound } from './verifyRound.ts';

export interface ModelInfo {
  family: string;
  target: string;
  reference: string;
}

export interface VerifierConversationOptions {
  /** The large cloud model p. */
  target: Scorer;
  /** The public copy of the small model s. */
  reference: Scorer;
  model: ModelInfo;
  /** This server's tokenizer fingerprint (core's fingerprintTokenizer). */
  tokenizerFingerprint: string;
  vocabSize: number;
  limits: Limits;
  /** Chat template + tokenization of a public prompt, BOS included, ending with the generation prompt. */
  tokenizePrompt(messages: readonly ChatMessage[]): Promise<TokenId[]>;
  /**
   * When given, authentication is required: hello is refused with
   * UNAUTHORIZED unless this returns true for hello.apiKey. (An app that
   * already checked a bearer token on the upgrade passes `() => true`.)
   */
  authenticate?(apiKey: string | undefined): boolean | Promise<boolean>;
  now?: Clock;
  hooks?: ConversationHooks;
  server?: { name: string; version: string };
}

/** What to send for one incoming message, in order; then close the socket when endConnection. */
export interface ConversationReply {
  messages: ServerMessage[];
  /** A connection-scope error was sent: close the WebSocket after sending. */
  endConnection: boolean;
}

interface ServerSession {
  readonly id: string;
  readonly prompt: readonly TokenId[];
  readonly sampling: Sampling;
  readonly params: SamplingParams;
  readonly stopTokens: ReadonlySet<TokenId>;
  readonly targetScoring: ScoringSession;
  readonly referenceScoring: ScoringSession;
  output: TokenId[];
  nextRound: number;
  /** Whether the next draft must carry the token recovered from the last verdict. */
  awaitingCommitted: boolean;
  finish: FinishReason | null;
  lastActivity: number;
}

type Handshake = 'none' | 'pending' | 'welcomed' | 'refused';

export class VerifierConversation {
  private readonly options: VerifierConversationOptions;
  private readonly now: Clock;
  private readonly hooks: ConversationHooks;
  private readonly sessions = new Map<string, ServerSession>();
  /** Ids being opened or resumed right now: they count toward the session limit. */
  private readonly opening = new Set<string>();
  /** Per-session chains, so one session's messages run in arrival order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private handshake: Handshake = 'none';
  private handshakeDone: Promise<unknown> = Promise.resolve();
  /** Messages accepted and not yet answered: shutdown waits for them. */
  private readonly inFlight = new Set<Promise<ConversationReply>>();
  private disposed = false;

  constructor(options: VerifierConversationOptions) {
    this.options = options;
    this.now = options.now ?? monotonicClock;
    this.hooks = options.hooks ?? {};
  }

  /** Sessions currently open on this connection. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** Parse one text frame (schema + this server's limits) and handle it. */
  async handleFrame(frame: unknown): Promise<ConversationReply> {
    return this.handleParsed(parseClientFrame(frame, this.options.limits));
  }

  /** A frame its caller already parsed with parseClientFrame and these limits (parsed once, never twice). */
  handleParsed(parsed: ParseResult<ClientMessage>): Promise<ConversationReply> {
    return parsed.ok ? this.handle(parsed.message) : this.refuse(parsed.error);
  }

  /**
   * Handle one message that passed its schema. Messages of one session run
   * in order; different sessions run concurrently; everything waits for an
   * in-flight hello.
   */
  handle(message: ClientMessage): Promise<ConversationReply> {
    if (this.disposed) {
      return this.refuse(
        new SpecSteerError(
          ErrorCode.SERVER_SHUTTING_DOWN,
          'this connection is closing; reconnect and resume',
        ),
      );
    }
    // Accepted now: a shutdown from here on waits for this message's reply.
    const work = this.process(message);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  private async process(message: ClientMessage): Promise<ConversationReply> {
    if (message.type === 'hello') {
      const done = this.handshakeDone.then(() => this.hello(message));
      this.handshakeDone = done.catch(() => undefined);
      return done;
    }
    await this.handshakeDone;
    if (message.type === 'ping') return this.reply([{ type: 'pong', nonce: message.nonce }]);
    if (this.handshake !== 'welcomed') {
      return this.refuse(
        new SpecSteerError(
          ErrorCode.UNAUTHORIZED,
          `${message.type} before a successful hello; the first frame on a connection must be hello`,
        ),
      );
    }
    return this.inSessionOrder(message.sessionId, () => this.sessionMessage(message));
  }

  /**
   * Drop sessions with no message for limits.idleTimeoutMs; returns the
   * `closed` frames to send. The app calls this on a timer.
   */
  async expireIdleSessions(): Promise<ServerMessage[]> {
    const cutoff = this.now() - this.options.limits.idleTimeoutMs;
    const idle = [...this.sessions.values()].filter((s) => s.lastActivity <= cutoff);
    const messages: ServerMessage[] = [];
    for (const session of idle) {
      messages.push(await this.closeSession(session, 'idle_timeout'));
    }
    return messages;
  }

  /**
   * Drain (graceful shutdown): refuse new messages with SERVER_SHUTTING_DOWN,
   * let the rounds in flight finish (their replies still go out through
   * handle's promises), then close every session; returns the `closed` frames.
   */
  async shutdown(): Promise<ServerMessage[]> {
    this.disposed = true;
    await Promise.allSettled([...this.inFlight]);
    const messages: ServerMessage[] = [];
    for (const session of [...this.sessions.values()]) {
      messages.push(await this.closeSession(session, 'shutting_down'));
    }
    return messages;
  }

  /** The socket closed: release every scoring session. Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.sessions.values()].map((s) => this.forget(s, 'error')));
  }

  // ── handshake ──────────────────────────────────────────────────────────

  private async hello(hello: Hello): Promise<ConversationReply> {
    if (this.handshake === 'welcomed') {
      return this.refuse(
        new SpecSteerError(ErrorCode.INVALID_MESSAGE, 'hello: this connection is already welcomed'),
      );
    }
    this.handshake = 'pending';
    try {
      assertSupportedProtocolVersion(hello.protocolVersion);
      const { authenticate } = this.options;
      if (authenticate !== undefined && !(await authenticate(hello.apiKey))) {
        throw new SpecSteerError(
          ErrorCode.UNAUTHORIZED,
          hello.apiKey === undefined
            ? 'this server requires an API key: send hello.apiKey or an Authorization bearer header'
            : 'the API key was not accepted',
        );
      }
      if (hello.tokenizerFingerprint !== this.options.tokenizerFingerprint) {
        throw new SpecSteerError(
          ErrorCode.TOKENIZER_MISMATCH,
          `the drafter's tokenizer (${hello.tokenizerFingerprint}) differs from this server's ` +
            `(${this.options.tokenizerFingerprint}, ${this.options.model.family}); use the same tokenizer on both sides`,
          { client: hello.tokenizerFingerprint, server: this.options.tokenizerFingerprint },
        );
      }
    } catch (error) {
      this.handshake = 'refused';
      return this.refuse(this.asProtocolError(error, 'hello'));
    }
    this.handshake = 'welcomed';
    return this.reply([
      {
        type: 'welcome',
        protocolVersion: hello.protocolVersion,
        model: { ...this.options.model },
        tokenizerFingerprint: this.options.tokenizerFingerprint,
        vocabSize: this.options.vocabSize,
        limits: { ...this.options.limits },
        ...(this.options.server && { server: { ...this.options.server } }),
      },
    ]);
  }

  // ── sessions ───────────────────────────────────────────────────────────

  private async sessionMessage(
    message: Exclude<ClientMessage, { type: 'hello' } | { type: 'ping' }>,
  ): Promise<ConversationReply> {
    try {
      const refused =
        checkTokenRange(message, this.options.vocabSize) ??
        checkLimits(message, this.options.limits);
      if (refused) throw refused;
      switch (message.type) {
        case 'open':
        case 'resume':
          return this.reply([await this.start(message)]);
        case 'draft':
          return this.reply([await this.round(message)]);
        case 'close':
          return this.reply([await this.close(message)]);
      }
    } catch (error) {
      const coded = this.asProtocolError(error, message.type);
      coded.sessionId ??= message.sessionId;
      if (message.type === 'draft') coded.round ??= message.round;
      return this.refuse(coded);
    }
  }

  private async start(message: Open | Resume): Promise<ServerMessage> {
    const { sessionId, sampling } = message;
    if (this.sessions.has(sessionId) || this.opening.has(sessionId)) {
      throw new SpecSteerError(
        ErrorCode.SESSION_EXISTS,
        `${message.type}: session ${sessionId} is already open on this connection; choose another id`,
      );
    }
    const { limits } = this.options;
    if (this.sessions.size + this.opening.size >= limits.maxSessionsPerConnection) {
      throw new SpecSteerError(
        ErrorCode.TOO_MANY_SESSIONS,
        `this connection already holds ${limits.maxSessionsPerConnection} sessions; close one first`,
        { maxSessionsPerConnection: limits.maxSessionsPerConnection },
      );
    }
    // Round numbers name RNG streams (seed, round, purpose) of 32 bits.
    if (message.type === 'resume' && message.round > 0xffffffff) {
      throw new SpecSteerError(
        ErrorCode.INVALID_MESSAGE,
        `resume.round: ${message.round} is beyond the last round a session can reach (2^32 − 1)`,
        { path: 'resume.round' },
      );
    }
    this.opening.add(sessionId);
    try {
      // The schema guarantees exactly one of the two forms.
      const form = message.prompt as { tokens?: TokenId[]; messages?: ChatMessage[] };
      const prompt =
        form.tokens !== undefined
          ? [...form.tokens]
          : await this.options.tokenizePrompt(form.messages ?? []);
      if (prompt.length > limits.maxPromptTokens) {
        throw new SpecSteerError(
          ErrorCode.PROMPT_TOO_LONG,
          `${message.type}.prompt: ${prompt.length} tokens after the chat template; this server takes at most ${limits.maxPromptTokens}`,
          { promptTokens: prompt.length, maxPromptTokens: limits.maxPromptTokens },
        );
      }
      if (prompt.length === 0) {
        throw new SpecSteerError(
          ErrorCode.INVALID_MESSAGE,
          `${message.type}.prompt: the prompt is empty`,
        );
      }
      const output = message.type === 'resume' ? [...message.committedTokens] : [];
      const stopTokens = new Set(sampling.stopTokens);
      const [targetScoring, referenceScoring] = await openBoth(
        this.options.target,
        this.options.reference,
      );
      const session: ServerSession = {
        id: sessionId,
        prompt,
        sampling,
        params: {
          temperature: sampling.temperature,
          alpha: sampling.alpha,
          leniency: sampling.leniency,
          tau: sampling.tau,
          topK: sampling.topK,
        },
        stopTokens,
        targetScoring,
        referenceScoring,
        output,
        nextRound: message.type === 'resume' ? message.round : 0,
        awaitingCommitted: false,
        finish: output.some((t) => stopTokens.has(t))
          ? 'stop'
          : output.length >= sampling.maxTokens
            ? 'length'
            : null,
        lastActivity: this.now(),
      };
      this.sessions.set(sessionId, session);
      this.hooks.sessionOpened?.({ resumed: message.type === 'resume' });
      return message.type === 'open'
        ? { type: 'opened', sessionId, promptTokens: prompt.length }
        : {
            type: 'resumed',
            sessionId,
            promptTokens: prompt.length,
            committedTokens: output.length,
            round: session.nextRound,
          };
    } finally {
      this.opening.delete(sessionId);
    }
  }

  private async round(draft: Draft): Promise<ServerMessage> {
    const session = this.sessionOf(draft);
    session.lastActivity = this.now();
    if (session.finish !== null) {
      throw new SpecSteerError(
        ErrorCode.SESSION_FINISHED,
        `session ${session.id} already finished (${session.finish}); close it`,
        { finish: session.finish },
      );
    }
    if (draft.round !== session.nextRound) {
      throw new SpecSteerError(
        ErrorCode.OUT_OF_ORDER_ROUND,
        `draft.round is ${draft.round}; this session expects round ${session.nextRound}. Resume to resync`,
        { expected: session.nextRound },
      );
    }
    if (session.awaitingCommitted !== (draft.committed !== undefined)) {
      throw new SpecSteerError(
        ErrorCode.OUT_OF_ORDER_ROUND,
        session.awaitingCommitted
          ? `draft.committed is missing: round ${draft.round} must carry the token recovered from round ${draft.round - 1}`
          : `draft.committed is present, but no recovered token is due (round 0, or right after resume)`,
        { expected: session.nextRound, committedExpected: session.awaitingCommitted },
      );
    }
    const { maxTokens } = session.sampling;
    const output =
      draft.committed === undefined ? session.output : [...session.output, draft.committed];
    const room = maxTokens - output.length;
    if (draft.tokens.length > room) {
      throw new SpecSteerError(
        ErrorCode.DRAFT_TOO_LONG,
        `draft.tokens: ${draft.tokens.length} tokens, but only ${room} fit before maxTokens ${maxTokens}`,
        { room, maxTokens },
      );
    }
    // The piggybacked token may itself end the session; nothing is scored then.
    const early: FinishReason | null =
      draft.committed !== undefined && session.stopTokens.has(draft.committed)
        ? 'stop'
        : room === 0
          ? 'length'
          : null;
    if (early !== null) {
      this.applyRound(session, output, early);
      return this.verdict(session, draft.round, 0, null, early);
    }

    const sequence = [...session.prompt, ...output, ...draft.tokens];
    const from = session.prompt.length + output.length;
    const scoreStart = this.now();
    const [target, reference] = await Promise.all([
      session.targetScoring.score(sequence, from, session.params.topK),
      session.referenceScoring.score(sequence, from, session.params.topK),
    ]);
    const verifyStart = this.now();
    const outcome = verifyRound({
      draft: draft.tokens,
      target,
      reference,
      sampling: session.params,
      vocabSize: this.options.vocabSize,
      uniform: uniformOf(session.sampling.seed, draft.round),
      outputLength: output.length,
      maxTokens,
      stopTokens: session.stopTokens,
    });
    const verifyEnd = this.now();
    this.applyRound(
      session,
      [...output, ...draft.tokens.slice(0, outcome.accepted)],
      outcome.finish,
    );
    this.hooks.roundVerified?.({
      drafted: draft.tokens.length,
      accepted: outcome.accepted,
      scoreMs: verifyStart - scoreStart,
      verifyMs: verifyEnd - verifyStart,
      finished: outcome.finish !== null,
    });
    return this.verdict(
      session,
      draft.round,
      outcome.accepted,
      outcome.correction,
      outcome.finish,
      verifyStart - scoreStart,
    );
  }

  /** Only after scoring succeeded: a failed round leaves the session as it was, so the client can retry it. */
  private applyRound(session: ServerSession, output: TokenId[], finish: FinishReason | null): void {
    session.output = output;
    session.nextRound++;
    session.finish = finish;
    session.awaitingCommitted = finish === null;
  }

  private verdict(
    session: ServerSession,
    round: number,
    accepted: number,
    correction: Correction | null,
    finish: FinishReason | null,
    scoreMs?: number,
  ): ServerMessage {
    return {
      type: 'verdict',
      sessionId: session.id,
      round,
      accepted,
      correction: correction === null ? null : { position: session.output.length, ...correction },
      finish,
      committedTokens: session.output.length,
      ...(scoreMs !== undefined && { timing: { scoreMs } }),
    };
  }

  private async close(message: Close): Promise<ServerMessage> {
    const session = this.sessionOf(message);
    if (message.committed !== undefined && session.awaitingCommitted) {
      session.output = [...session.output, message.committed];
    }
    return this.closeSession(session, 'client');
  }

  private sessionOf(message: { type: string; sessionId: string }): ServerSession {
    const session = this.sessions.get(message.sessionId);
    if (session === undefined) {
      throw new SpecSteerError(
        ErrorCode.UNKNOWN_SESSION,
        `${message.type}: no session ${message.sessionId} on this connection (never opened, closed, or opened on another replica); send resume`,
      );
    }
    return session;
  }

  private async closeSession(
    session: ServerSession,
    reason: 'client' | 'idle_timeout' | 'shutting_down',
  ): Promise<ServerMessage> {
    await this.forget(session, reason);
    return {
      type: 'closed',
      sessionId: session.id,
      reason,
      committedTokens: session.output.length,
    };
  }

  /** Remove a session and release its scoring sessions; a failing close is reported, never thrown. */
  private async forget(
    session: ServerSession,
    reason: 'client' | 'idle_timeout' | 'shutting_down' | 'error',
  ): Promise<void> {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    const results = await Promise.allSettled([
      session.targetScoring.close(),
      session.referenceScoring.close(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected')
        this.hooks.internalError?.(result.reason, 'closing a scoring session');
    }
    this.hooks.sessionClosed?.({ reason, outputTokens: session.output.length });
  }

  // ── errors and ordering ────────────────────────────────────────────────

  private inSessionOrder(
    sessionId: string,
    task: () => Promise<ConversationReply>,
  ): Promise<ConversationReply> {
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(sessionId, settled);
    void settled.then(() => {
      if (this.queues.get(sessionId) === settled) this.queues.delete(sessionId);
    });
    return run;
  }

  /** Bad input keeps its code; anything else is a server fault: INTERNAL without details. */
  private asProtocolError(error: unknown, during: string): SpecSteerError {
    if (error instanceof SpecSteerError) return error;
    // The chat template refuses a message that forges control markers: bad input, not a fault.
    if (error instanceof ChatTemplateError) {
      return new SpecSteerError(ErrorCode.INVALID_MESSAGE, `${during}.prompt: ${error.message}`);
    }
    this.hooks.internalError?.(error, during);
    return new SpecSteerError(
      ErrorCode.INTERNAL,
      `the server failed while handling ${during}; details are in the server log. Resume to retry`,
    );
  }

  private async refuse(error: SpecSteerError): Promise<ConversationReply> {
    const scope = this.handshake === 'welcomed' ? error.scope : 'connection';
    this.hooks.error?.({ code: error.code, scope });
    const messages: ServerMessage[] = [error.toFrame() as ServerMessage];
    if (scope === 'session' && error.sessionId !== undefined) {
      // A session-scope error drops the session; `closed` says so (protocol README, "close").
      const session = this.sessions.get(error.sessionId);
      if (session !== undefined) {
        await this.forget(session, 'error');
        messages.push({
          type: 'closed',
          sessionId: session.id,
          reason: 'error',
          committedTokens: session.output.length,
        });
      }
    }
    if (scope === 'connection') await this.dispose();
    return { messages, endConnection: scope === 'connection' };
  }

  private reply(messages: ServerMessage[]): ConversationReply {
    return { messages, endConnection: false };
  }
}

async function openBoth(
  target: Scorer,
  reference: Scorer,
): Promise<[ScoringSession, ScoringSession]> {
  const [t, r] = await Promise.allSettled([target.openSession(), reference.openSession()]);
  if (t.status === 'fulfilled' && r.status === 'fulfilled') return [t.value, r.value];
  // Release the half that opened, so a failing model leaks nothing.
  if (t.status === 'fulfilled') await t.value.close().catch(() => undefined);
  if (r.status === 'fulfilled') await r.value.close().catch(() => undefined);
  throw t.status === 'rejected' ? t.reason : (r as PromiseRejectedResult).reason;
}

function uniformOf(seed: number, round: number): () => number {
  const rng = rngStream(seed, round, 'verify');
  return () => rng.uniform();
}
