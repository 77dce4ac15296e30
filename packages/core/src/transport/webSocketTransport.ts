// A client transport over a WebSocket whose constructor is injected: the
// browser's WebSocket in the web app, the `ws` package in Node (CLI, tests),
// so core imports no platform API. JSON text frames, encoded and parsed with
// the protocol package's functions.

import {
  encodeFrame,
  parseServerFrame,
  type ClientMessageInput,
  type Limits,
  type ServerMessage,
} from '@specsteer/protocol';
import {
  TransportClosedError,
  type ClientTransport,
  type TransportCloseInfo,
} from './clientTransport.ts';
import { MessageQueue } from './messageQueue.ts';

/** Makes a handler type bivariant, so both the DOM's and ws's event types fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the transport uses of a WebSocket; the browser's and ws's both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** `new WebSocket(url, protocols, options)`: options only exist in Node's ws (e.g. `{ headers }`). */
export type WebSocketConstructorLike = new (
  url: string,
  protocols?: string | string[],
  options?: never,
) => WebSocketLike;

const OPEN = 1;

export interface WebSocketTransportOptions {
  /** Limits announced in `welcome`, once known, to bound frame sizes both ways. */
  limits?: Limits;
}

export interface ConnectWebSocketOptions extends WebSocketTransportOptions {
  WebSocket: WebSocketConstructorLike;
  protocols?: string | string[];
  /** Third constructor argument, for ws in Node: e.g. `{ headers: { authorization: 'Bearer …' } }`. */
  constructorOptions?: unknown;
  /** Give up opening after this long (default 10 s). */
  openTimeoutMs?: number;
}

/** Raised when the socket cannot be opened at all (refused, timed out, bad URL). */
export class WebSocketConnectError extends Error {
  readonly code = 'CONNECT_FAILED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'WebSocketConnectError';
  }
}

/** Open a socket and wrap it once it is open. */
export function connectWebSocket(
  url: string,
  options: ConnectWebSocketOptions,
): Promise<ClientTransport> {
  return new Promise<ClientTransport>((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      const Ctor = options.WebSocket as unknown as new (
        u: string,
        p?: string | string[],
        o?: unknown,
      ) => WebSocketLike;
      socket =
        options.constructorOptions === undefined
          ? new Ctor(url, options.protocols)
          : new Ctor(url, options.protocols, options.constructorOptions);
    } catch (error) {
      reject(
        new WebSocketConnectError(
          `cannot open ${url}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      return;
    }
    const timer = setTimeout(() => {
      fail(`no connection to ${url} within ${options.openTimeoutMs ?? 10_000} ms`);
      socket.close();
    }, options.openTimeoutMs ?? 10_000);
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new WebSocketConnectError(message));
    };
    socket.onerror = () => fail(`cannot connect to ${url}`);
    socket.onclose = (event) =>
      fail(`connection to ${url} closed before opening (code ${event.code})`);
    socket.onopen = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(webSocketTransport(socket, options));
    };
  });
}

/** Wrap an open socket. */
export function webSocketTransport(
  socket: WebSocketLike,
  options: WebSocketTransportOptions = {},
): ClientTransport & { setLimits(limits: Limits): void } {
  let limits = options.limits;
  const inbox = new MessageQueue<ServerMessage>();
  const listeners: ((info: TransportCloseInfo) => void)[] = [];
  let closeInfo: TransportCloseInfo | null = null;

  const shutDown = (info: TransportCloseInfo) => {
    if (closeInfo !== null) return;
    closeInfo = info;
    inbox.close(new TransportClosedError(info));
    for (const listener of listeners) listener(info);
  };

  socket.onmessage = (event) => {
    if (closeInfo !== null) return;
    const parsed = parseServerFrame(event.data, limits);
    if (parsed.ok) {
      inbox.push(parsed.message);
      return;
    }
    // A server that breaks the protocol cannot be trusted with the session: drop and let resume decide.
    const reason = `server sent an invalid frame: ${parsed.error.message}`.slice(0, 120);
    shutDown({ initiator: 'local', code: 1002, reason });
    socket.close(1002, 'protocol error');
  };
  socket.onclose = (event) =>
    shutDown({ initiator: 'remote', code: event.code, reason: event.reason || 'socket closed' });
  socket.onerror = () => undefined; // a close event follows every error
  if (socket.readyState !== OPEN) shutDown({ initiator: 'remote', reason: 'socket is not open' });

  return {
    send(message: ClientMessageInput) {
      if (closeInfo !== null) throw new TransportClosedError(closeInfo);
      socket.send(encodeFrame(message, limits));
    },
    receive: () => inbox.next(),
    close(reason = 'closed by the client') {
      if (closeInfo !== null) return;
      shutDown({ initiator: 'local', code: 1000, reason });
      socket.close(1000, reason.slice(0, 120));
    },
    onClose(listener) {
      if (closeInfo !== null) listener(closeInfo);
      else listeners.push(listener);
    },
    get closed() {
      return closeInfo !== null;
    },
    setLimits(next: Limits) {
      limits = next;
    },
  };
}
