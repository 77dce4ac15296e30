// One connection's conversation with a device, as pure core code: the
// verifier app parses frames, hands messages here, and sends back what this
// returns. It enforces the protocol's rules with its error codes, keeps one
// ScoringSession of the target per session (llama.cpp keeps the KV cache
// there) and never lets one session's failure touch another's. The device
// computes s itself: the server runs only the target model.

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
import type { ServerCorrection } from '../math/verify.ts';
import type { SamplingParams } from '../math/types.ts';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import { rngStream } from '../rng.ts';
import type { ConversationHooks } from './conversationHooks.ts';
import { scoreRound } from './scoreRound.ts';

export interface ModelInfo {
  family: string;
  target: string;
}

export interface VerifierConversationOptions {
  /** The large cloud model p. */
  target: Scorer;
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
  readonly params: Omit<SamplingParams, 'alpha'>;
  readonly stopTokens: ReadonlySet<TokenId>;
  readonly targetScoring: ScoringSession;
  output: TokenId[];
  nextRound: number;
  /**
   * What the next draft's `committed` must continue, when the last verdict
   * left the device tokens to commit: the draft tokens it may keep, then
   * exactly one more.
   */
  awaitingCommitted: { draft: TokenId[] } | null;
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
      const targetScoring = await this.options.target.openSession();
      const session: ServerSession = {
        id: sessionId,
        prompt,
        sampling,
        params: { temperature: sampling.temperature, topK: sampling.topK },
        stopTokens,
        targetScoring,
        output,
        nextRound: message.type === 'resume' ? message.round : 0,
        awaitingCommitted: null,
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
    const { output, finish: early } = this.withCommitted(session, draft.committed, 'draft');
    const { maxTokens } = session.sampling;
    const room = maxTokens - output.length;
    if (early === null && draft.tokens.length > room) {
      throw new SpecSteerError(
        ErrorCode.DRAFT_TOO_LONG,
        `draft.tokens: ${draft.tokens.length} tokens, but only ${room} fit before maxTokens ${maxTokens}`,
        { room, maxTokens },
      );
    }
    // The committed tokens may themselves end the session; nothing is scored then.
    if (early !== null) {
      this.applyRound(session, output, early, null);
      return this.verdict(session, draft.round, null, early);
    }
    const sequence = [...session.prompt, ...output, ...draft.tokens];
    const from = session.prompt.length + output.length;
    const scoreStart = this.now();
    const target = await session.targetScoring.score(sequence, from, {
      topK: session.params.topK,
      temperature: session.params.temperature,
    });
    const verifyStart = this.now();
    const corrections = scoreRound({
      draft: draft.tokens,
      target,
      topK: session.params.topK,
      vocabSize: this.options.vocabSize,
      temperature: session.params.temperature,
      uniform: uniformOf(session.sampling.seed, draft.round),
    });
    const verifyEnd = this.now();
    this.applyRound(session, output, null, draft.tokens);
    this.hooks.roundVerified?.({
      drafted: draft.tokens.length,
      scoreMs: verifyStart - scoreStart,
      verifyMs: verifyEnd - verifyStart,
    });
    return this.verdict(session, draft.round, corrections, null, verifyStart - scoreStart);
  }

  /**
   * The output after the device's committed tokens, checked against what the
   * last verdict allows: a prefix of that round's draft (the tokens the
   * device kept), then one more. A stop token among them ends the session
   * (nothing may follow it); so does maxTokens.
   */
  private withCommitted(
    session: ServerSession,
    committed: readonly TokenId[] | undefined,
    where: 'draft' | 'close',
  ): { output: TokenId[]; finish: FinishReason | null } {
    const due = session.awaitingCommitted;
    const path = `${where}.committed`;
    if (due === null) {
      if (committed !== undefined && committed.length > 0) {
        throw new SpecSteerError(
          ErrorCode.OUT_OF_ORDER_ROUND,
          `${path} is present, but no tokens are due (round 0, or right after resume)`,
          { expected: session.nextRound, committedExpected: false },
        );
      }
      return { output: session.output, finish: null };
    }
    if (committed === undefined || committed.length === 0) {
      throw new SpecSteerError(
        ErrorCode.OUT_OF_ORDER_ROUND,
        `${path} is missing: round ${session.nextRound} must carry the tokens committed after round ${session.nextRound - 1}'s verdict`,
        { expected: session.nextRound, committedExpected: true },
      );
    }
    const taken = committed.length - 1;
    if (taken > due.draft.length || committed.slice(0, taken).some((t, i) => t !== due.draft[i])) {
      throw new SpecSteerError(
        ErrorCode.INVALID_MESSAGE,
        `${path}: expected a prefix of round ${session.nextRound - 1}'s draft and one more token`,
        { path },
      );
    }
    const output = [...session.output];
    let finish: FinishReason | null = null;
    for (const [i, token] of committed.entries()) {
      output.push(token);
      if (session.stopTokens.has(token) || output.length >= session.sampling.maxTokens) {
        if (i < committed.length - 1) {
          throw new SpecSteerError(
            ErrorCode.INVALID_MESSAGE,
            `${path}: tokens follow the end of the generation (a stop token or maxTokens) at index ${i}`,
            { path },
          );
        }
        finish = session.stopTokens.has(token) ? 'stop' : 'length';
      }
    }
    this.hooks.tokensCommitted?.({
      drafted: due.draft.length,
      kept: taken,
      finished: finish !== null,
    });
    return { output, finish };
  }

  /** Only after scoring succeeded: a failed round leaves the session as it was, so the client can retry it. */
  private applyRound(
    session: ServerSession,
    output: TokenId[],
    finish: FinishReason | null,
    remainingDraft: TokenId[] | null,
  ): void {
    session.output = output;
    session.nextRound++;
    session.finish = finish;
    session.awaitingCommitted =
      finish === null && remainingDraft !== null ? { draft: remainingDraft } : null;
  }

  private verdict(
    session: ServerSession,
    round: number,
    corrections: ServerCorrection[] | null,
    finish: FinishReason | null,
    scoreMs?: number,
  ): ServerMessage {
    return {
      type: 'verdict',
      sessionId: session.id,
      round,
      corrections:
        corrections === null
          ? null
          : corrections.map((correction, i) => ({
              position: session.output.length + i,
              ids: correction.ids,
              top: correction.top,
              logprobs: correction.logprobs,
              tail: correction.tail,
              ...(correction.tailSample !== undefined && { tailSample: correction.tailSample }),
            })),
      finish,
      committedTokens: session.output.length,
      ...(scoreMs !== undefined && { timing: { scoreMs } }),
    };
  }

  private async close(message: Close): Promise<ServerMessage> {
    const session = this.sessionOf(message);
    if (session.finish === null && message.committed !== undefined) {
      session.output = this.withCommitted(session, message.committed, 'close').output;
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
    const results = await Promise.allSettled([session.targetScoring.close()]);
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

function uniformOf(seed: number, round: number): () => number {
  const rng = rngStream(seed, round, 'verify');
  return () => rng.uniform();
}
