import type { VerifierConversation } from '@specsteer/core';
import {
  ErrorCode,
  SpecSteerError,
  parseClientFrame,
  type Limits,
  type ServerMessage,
} from '@specsteer/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { VerifierMetrics } from '../../metrics/verifier-metrics.ts';
import type { Caller } from '../auth/api-key-registry.ts';
import type { RoundRateLimiter } from '../limits/round-rate-limiter.ts';
import type { RegisteredConnection } from '../services/connection-registry.ts';
import { closeCodeFor } from './close-codes.ts';

// One device's WebSocket: the transport around core's VerifierConversation.
// The conversation owns the protocol (hello, sessions, rounds, their errors);
// this class owns what only the socket sees: rate limits per caller, how many
// frames may be in flight (backpressure), idle connections, draining on
// shutdown, and the close code. It logs ids, counts and codes, never frames.

export interface DeviceConnectionOptions {
  id: string;
  socket: WebSocket;
  conversation: VerifierConversation;
  limits: Limits;
  /** Who is calling, for the round budget; may change once hello authenticates. */
  caller: () => Caller;
  rateLimiter: RoundRateLimiter;
  /** Per-caller budget of open/resume frames. */
  openRateLimiter: RoundRateLimiter;
  metrics: VerifierMetrics;
  log: FastifyBaseLogger;
  /** Time to complete hello → welcome from the upgrade; frames before it (pings) do not extend it. */
  helloTimeoutMs: number;
  /** Charge a frame's bytes to the sender's address; how long to stop reading (0: not at all). */
  spendBytes?: (bytes: number) => number;
  /** Called once when welcome is sent. */
  onWelcome?: () => void;
  now?: () => number;
}

/** What a device reads for failures on the server's side; the detail goes to the log. */
const DEVICE_MESSAGES: Partial<Record<string, string>> = {
  [ErrorCode.INTERNAL]:
    'the verifier failed while handling this frame; the operator has the details. Resume to retry',
  [ErrorCode.BACKEND_UNAVAILABLE]:
    'the verifier cannot reach its model server right now; the round was not applied. Resume here later or on another replica',
  [ErrorCode.BACKEND_TIMEOUT]:
    'the model server did not answer in time; the round was not applied. Send the draft again or resume',
};

/** Frames being handled at once before the socket stops reading (TCP then pushes back on the device). */
const MAX_FRAMES_IN_FLIGHT = 64;
/** Bytes queued for a device that is not reading, beyond which the socket stops reading too. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class DeviceConnection implements RegisteredConnection {
  readonly id: string;
  private readonly options: DeviceConnectionOptions;
  private readonly now: () => number;
  private readonly openedAt: number;
  private lastFrameAt: number;
  private inFlight = 0;
  private readingPaused = false;
  /** Reading stopped because the address spent its byte budget (see ByteBudgets). */
  private throttled = false;
  private state: 'open' | 'draining' | 'closing' | 'closed' = 'open';
  private idle: Promise<void> | null = null;
  private onIdle: (() => void) | null = null;
  private readonly closedPromise: Promise<void>;
  private frames = 0;
  private rateLimited = 0;
  private welcomed = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(options: DeviceConnectionOptions) {
    this.id = options.id;
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.openedAt = this.now();
    this.lastFrameAt = this.openedAt;
    this.closedPromise = new Promise((resolve) => options.socket.once('close', () => resolve()));
    options.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.helloTimer = setTimeout(() => this.helloOverdue(), options.helloTimeoutMs);
    this.helloTimer.unref();
    options.socket.once('close', () => clearTimeout(this.helloTimer));
  }

  /** No welcome yet: whatever it sent (pings), a connection that does not say hello gives its slot back. */
  private helloOverdue(): void {
    if (this.welcomed || this.state !== 'open') return;
    this.refuseAndClose(
      new SpecSteerError(
        ErrorCode.IDLE_TIMEOUT,
        `no hello within ${this.options.helloTimeoutMs} ms of connecting; reconnect and say hello first`,
        { helloTimeoutMs: this.options.helloTimeoutMs },
      ),
    );
  }

  /** Resolves once the socket has closed and the conversation released its sessions. */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Called by the route when the socket closes, whoever closed it. */
  async release(code: number): Promise<void> {
    this.state = 'closed';
    await this.options.conversation.dispose();
    this.options.log.info(
      {
        conn: this.id,
        code,
        frames: this.frames,
        rateLimited: this.rateLimited,
        ms: Math.round(this.now() - this.openedAt),
      },
      'connection closed',
    );
  }

  /** Send an error before the conversation exists or outside it (upgrade refusals), then close. */
  refuseAndClose(error: SpecSteerError): void {
    this.options.metrics.errorSent(error.code);
    this.send([error.toFrame() as ServerMessage]);
    this.closeWith(error.code);
  }

  /** Shutdown: stop reading, finish the frames in flight, close sessions, say SERVER_SHUTTING_DOWN, close. */
  async drain(): Promise<void> {
    if (this.state !== 'open') return this.closedPromise;
    // Frames arriving from now on are ignored (see receive); reading goes on so the close handshake completes.
    this.state = 'draining';
    await this.framesSettled();
    if (this.state === 'draining') {
      const closedFrames = await this.options.conversation.shutdown();
      const error = new SpecSteerError(
        ErrorCode.SERVER_SHUTTING_DOWN,
        'this verifier is shutting down; reconnect (any replica) and resume your sessions',
      );
      this.options.metrics.errorSent(error.code);
      this.send([...closedFrames, error.toFrame() as ServerMessage]);
      this.closeWith(error.code);
    }
    return this.closedPromise;
  }

  terminate(): void {
    this.options.socket.terminate();
  }

  /**
   * Close idle sessions, and the connection itself when it holds no session
   * and nothing arrived for limits.idleTimeoutMs. Called by the registry's sweep.
   */
  async sweepIdle(): Promise<void> {
    if (this.state !== 'open' || this.inFlight > 0) return;
    const closedFrames = await this.options.conversation.expireIdleSessions();
    if (closedFrames.length > 0) this.send(closedFrames);
    const quietFor = this.now() - this.lastFrameAt;
    if (
      this.state === 'open' &&
      this.options.conversation.openSessions === 0 &&
      quietFor >= this.options.limits.idleTimeoutMs
    ) {
      this.refuseAndClose(
        new SpecSteerError(
          ErrorCode.IDLE_TIMEOUT,
          `nothing arrived for ${this.options.limits.idleTimeoutMs} ms and no session is open; reconnect when needed`,
          { idleTimeoutMs: this.options.limits.idleTimeoutMs },
        ),
      );
    }
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.state !== 'open') return; // draining or closing: the device will resume elsewhere
    this.throttle(data);
    this.frames++;
    this.lastFrameAt = this.now();
    // Binary frames go to the conversation as they are; the protocol parser refuses them with BAD_FRAME.
    const frame = isBinary
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : data.toString('utf8');
    this.inFlight++;
    if (
      this.inFlight >= MAX_FRAMES_IN_FLIGHT ||
      this.options.socket.bufferedAmount > MAX_BUFFERED_BYTES
    ) {
      this.pauseReading();
    }
    void this.handle(frame)
      .catch((error: unknown) => {
        // The conversation turns every failure into a frame; reaching here is a bug in this class.
        this.options.log.error({ conn: this.id, err: error }, 'frame handling failed');
      })
      .finally(() => {
        this.inFlight--;
        this.maybeResumeReading();
        if (this.inFlight === 0) this.onIdle?.();
      });
  }

  private async handle(frame: string | RawData): Promise<void> {
    const { conversation } = this.options;
    // Parsed once, here: a refused frame goes to the conversation as its parse result, so that its
    // refusal is the protocol's own; a draft is rate-limited before it queues.
    const parsed = parseClientFrame(typeof frame === 'string' ? frame : null, this.options.limits);
    if (!parsed.ok) return this.deliver(await conversation.handleParsed(parsed));
    const message = parsed.message;
    if (message.type === 'draft' || message.type === 'open' || message.type === 'resume') {
      const caller = this.options.caller();
      const limiter =
        message.type === 'draft' ? this.options.rateLimiter : this.options.openRateLimiter;
      const budget = limiter.take(caller.id, message.type === 'draft' ? caller.apiKey : undefined);
      if (!budget.allowed) {
        this.rateLimited++;
        const what = message.type === 'draft' ? 'rounds' : 'sessions opened or resumed';
        const error = new SpecSteerError(
          ErrorCode.RATE_LIMITED,
          `too many ${what} for this API key; retry after ${budget.retryAfterMs} ms`,
          { retryAfterMs: budget.retryAfterMs },
          {
            sessionId: message.sessionId,
            ...(message.type === 'draft' && { round: message.round }),
          },
        );
        this.options.metrics.errorSent(error.code);
        return this.send([error.toFrame() as ServerMessage]);
      }
    }
    return this.deliver(await conversation.handle(message));
  }

  private deliver(reply: { messages: ServerMessage[]; endConnection: boolean }): void {
    this.send(reply.messages);
    if (reply.endConnection) {
      const last = reply.messages.at(-1);
      this.closeWith(last?.type === 'error' ? last.code : ErrorCode.INTERNAL);
    }
  }

  private send(messages: readonly ServerMessage[]): void {
    const { socket } = this.options;
    if (socket.readyState !== socket.OPEN) return;
    for (const original of messages) {
      const message = this.forDevice(original);
      if (message.type === 'welcome' && !this.welcomed) {
        this.welcomed = true;
        clearTimeout(this.helloTimer);
        this.options.onWelcome?.();
      }
      socket.send(JSON.stringify(message));
    }
  }

  /**
   * A backend failure's detail (server URLs, variable names, the engine's own
   * words) is for the operator: logged at warn with the session and round; the
   * device gets the code and a message that names nothing internal.
   */
  private forDevice(message: ServerMessage): ServerMessage {
    if (message.type !== 'error') return message;
    const generic = DEVICE_MESSAGES[message.code];
    if (generic === undefined) return message;
    this.options.log.warn(
      {
        conn: this.id,
        code: message.code,
        sessionId: message.sessionId,
        round: message.round,
        detail: message.message,
        data: message.data,
      },
      'backend or server failure',
    );
    const { data: _data, ...rest } = message;
    return { ...rest, message: generic };
  }

  private closeWith(code: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.options.socket.close(closeCodeFor(code));
  }

  private throttle(data: RawData): void {
    const bytes = Array.isArray(data)
      ? data.reduce((sum, part) => sum + part.byteLength, 0)
      : data.byteLength;
    const waitMs = this.options.spendBytes?.(bytes) ?? 0;
    if (waitMs <= 0 || this.throttled) return;
    this.throttled = true;
    this.options.socket.pause();
    setTimeout(() => {
      this.throttled = false;
      if (this.readingPaused) this.maybeResumeReading();
      else if (this.state === 'open') this.options.socket.resume();
    }, waitMs).unref();
  }

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.options.socket.pause();
    if (this.state === 'open') this.waitForDeviceToRead();
  }

  private maybeResumeReading(): void {
    if (!this.readingPaused || this.state !== 'open') return;
    if (
      !this.throttled &&
      this.inFlight < MAX_FRAMES_IN_FLIGHT / 2 &&
      this.options.socket.bufferedAmount <= MAX_BUFFERED_BYTES / 2
    ) {
      this.readingPaused = false;
      this.options.socket.resume();
    }
  }

  /** ws has no drain event: poll the send buffer while reading is paused because of it. */
  private waitForDeviceToRead(): void {
    const timer = setInterval(() => {
      if (!this.readingPaused || this.state !== 'open') return clearInterval(timer);
      this.maybeResumeReading();
    }, 50);
    timer.unref();
  }

  private framesSettled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    this.idle ??= new Promise<void>((resolve) => {
      this.onIdle = () => {
        this.onIdle = null;
        this.idle = null;
        resolve();
      };
    });
    return this.idle;
  }
}
