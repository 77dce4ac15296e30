import { connectWebSocket, type ClientTransport, type TransportFactory } from '@specsteer/core';
import WebSocket from 'ws';

export interface NodeVerifierConnectionOptions {
  /** Sent as `Authorization: Bearer …` on the upgrade (the loop also sends it in hello). */
  apiKey?: string;
  /** Give up opening one connection after this long. */
  openTimeoutMs?: number;
}

/**
 * The Node client's way to reach a verifier: core's WebSocket transport over
 * the `ws` package. Returned as a factory so that core's session loop can
 * call it again to reconnect (to any replica) and resume.
 */
export function nodeVerifierConnection(
  url: string,
  options: NodeVerifierConnectionOptions = {},
): TransportFactory {
  return () =>
    connectWebSocket(url, {
      WebSocket: WebSocket as unknown as Parameters<typeof connectWebSocket>[1]['WebSocket'],
      protocols: 'specsteer',
      ...(options.apiKey !== undefined && {
        constructorOptions: { headers: { authorization: `Bearer ${options.apiKey}` } },
      }),
      openTimeoutMs: options.openTimeoutMs ?? 10_000,
    });
}

/** One protocol frame as this client saw it. */
export interface TracedFrame {
  direction: 'sent' | 'received';
  /** Which connection (1 = the first; a reconnect opens the next). */
  connection: number;
  message: unknown;
}

/**
 * Wrap a transport factory so every message sent and received is handed to
 * `record` (the CLI's --trace-frames, and the privacy test's capture).
 */
export function tracedConnection(
  connect: TransportFactory,
  record: (frame: TracedFrame) => void,
): TransportFactory {
  let connections = 0;
  return async () => {
    const inner = await connect();
    const connection = ++connections;
    const traced: ClientTransport = {
      send(message) {
        record({ direction: 'sent', connection, message });
        inner.send(message);
      },
      async receive() {
        const message = await inner.receive();
        record({ direction: 'received', connection, message });
        return message;
      },
      close: (reason) => inner.close(reason),
      onClose: (listener) => inner.onClose(listener),
      get closed() {
        return inner.closed;
      },
    };
    return traced;
  };
}
