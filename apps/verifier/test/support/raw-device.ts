import { parseServerFrame, type ClientMessageInput, type ServerMessage } from '@specsteer/protocol';
import WebSocket from 'ws';

// A device speaking raw frames over a real WebSocket, for tests that send
// what a well-behaved client never would. Every frame received is checked
// against the protocol's server schema: the server must never send an
// invalid one, whatever it was sent.

export class RawDevice {
  readonly received: ServerMessage[] = [];
  /** Frames from the server that failed the protocol's schema (must stay empty). */
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number }>;
  private readonly waiting: ((message: ServerMessage) => void)[] = [];
  private readonly queue: ServerMessage[] = [];
  private closeInfo: { code: number } | null = null;
  private onClosed: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.once('close', (code) => {
        this.closeInfo = { code };
        resolve({ code });
        for (const wake of this.onClosed) wake();
      });
    });
    socket.on('message', (data, isBinary) => {
      const parsed = parseServerFrame(isBinary ? data : data.toString('utf8'));
      if (!parsed.ok) {
        // Recorded, not thrown: a throw here would be an uncaught exception in the test process.
        this.invalid.push(parsed.error.message);
        return;
      }
      this.received.push(parsed.message);
      const waiter = this.waiting.shift();
      if (waiter) waiter(parsed.message);
      else this.queue.push(parsed.message);
    });
  }

  static connect(
    url: string,
    options: { headers?: Record<string, string>; protocols?: string[] } = {},
  ): Promise<RawDevice> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? [], {
        headers: options.headers ?? {},
      });
      socket.once('open', () => resolve(new RawDevice(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      );
    });
  }

  send(message: ClientMessageInput | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  /** The next frame from the server; rejects when the socket closes first or after `timeoutMs`. */
  next(timeoutMs = 5_000): Promise<ServerMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closeInfo)
      return Promise.reject(
        new Error(`socket closed (${this.closeInfo.code}) before a frame came`),
      );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no frame within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const waiter = (message: ServerMessage) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.waiting.push(waiter);
      this.onClosed.push(() => {
        clearTimeout(timer);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) {
          this.waiting.splice(index, 1);
          reject(new Error(`socket closed (${this.closeInfo?.code}) before a frame came`));
        }
      });
    });
  }

  /** Send and wait for the answer. */
  async request(message: ClientMessageInput | Record<string, unknown>): Promise<ServerMessage> {
    this.send(message);
    return this.next();
  }

  close(): void {
    this.socket.close();
  }
}
