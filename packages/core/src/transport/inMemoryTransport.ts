// A client transport wired straight to a server conversation, without a
// network: tests and in-process runs use the real loop, the real codec (every
// message is encoded to its JSON text frame and parsed back, as on a socket)
// and the real conversation. Order is preserved in each direction; an optional
// one-way latency makes round trips cost time; `drop()` simulates a network
// failure for the resume tests.

import {
  encodeFrame,
  parseServerFrame,
  type ClientMessageInput,
  type ServerMessage,
} from '@specsteer/protocol';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import type { ConversationReply } from '../server/verifierConversation.ts';
import {
  TransportClosedError,
  type ClientTransport,
  type TransportCloseInfo,
  type TransportFactory,
} from './clientTransport.ts';
import { MessageQueue } from './messageQueue.ts';

/** The server end as the transport sees it: VerifierConversation fits. */
export interface FrameHandler {
  handleFrame(frame: string): Promise<ConversationReply>;
  dispose(): Promise<void>;
}

export type FrameDirection = 'client-to-server' | 'server-to-client';

export interface InMemoryLinkOptions {
  /** One-way delay of every frame, in ms (default 0). */
  latencyMs?: number;
  /**
   * Sees every encoded frame, in send order, before it travels (privacy tests
   * capture here; calling `link.drop()` loses this frame, as a cut cable would).
   */
  onFrame?(frame: { direction: FrameDirection; text: string }, link: InMemoryLink): void;
  clock?: Clock;
  sleep?(ms: number): Promise<void>;
}

export interface InMemoryLink {
  readonly transport: ClientTransport;
  /** Cut the connection as a network failure would: frames in flight are lost. */
  drop(reason?: string): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function connectInMemory(
  server: FrameHandler,
  options: InMemoryLinkOptions = {},
): InMemoryLink {
  const latencyMs = options.latencyMs ?? 0;
  const clock = options.clock ?? monotonicClock;
  const sleep = options.sleep ?? defaultSleep;
  const inbox = new MessageQueue<ServerMessage>();
  const listeners: ((info: TransportCloseInfo) => void)[] = [];
  let closeInfo: TransportCloseInfo | null = null;
  let toServer: Promise<void> = Promise.resolve();
  let toClient: Promise<void> = Promise.resolve();

  const shutDown = (info: TransportCloseInfo) => {
    if (closeInfo !== null) return;
    closeInfo = info;
    inbox.close(new TransportClosedError(info));
    void server.dispose();
    for (const listener of listeners) listener(info);
  };

  /** Wait out the latency counted from `sentAt`, then run `deliver` unless the link went down. */
  const travel = (previous: Promise<void>, sentAt: number, deliver: () => void | Promise<void>) =>
    previous.then(async () => {
      const wait = sentAt + latencyMs - clock();
      if (wait > 0) await sleep(wait);
      else await Promise.resolve();
      if (closeInfo === null) await deliver();
    });

  const deliverReply = (reply: ConversationReply) => {
    for (const message of reply.messages) {
      const text = encodeFrame(message);
      options.onFrame?.({ direction: 'server-to-client', text }, link);
      toClient = travel(toClient, clock(), () => {
        const parsed = parseServerFrame(text);
        if (parsed.ok) inbox.push(parsed.message);
        else
          shutDown({
            initiator: 'remote',
            reason: `server sent an invalid frame: ${parsed.error.message}`,
          });
      });
    }
    if (reply.endConnection) {
      toClient = toClient.then(() =>
        shutDown({ initiator: 'remote', code: 1008, reason: 'closed by the server' }),
      );
    }
  };

  const transport: ClientTransport = {
    send(message: ClientMessageInput) {
      if (closeInfo !== null) throw new TransportClosedError(closeInfo);
      const text = encodeFrame(message);
      options.onFrame?.({ direction: 'client-to-server', text }, link);
      // Handling starts in arrival order; replies travel back as each is ready.
      toServer = travel(toServer, clock(), () => {
        server.handleFrame(text).then(
          (reply) => {
            if (closeInfo === null) deliverReply(reply);
          },
          (error: unknown) =>
            shutDown({
              initiator: 'remote',
              code: 1011,
              reason: `server failed: ${String(error)}`,
            }),
        );
      });
    },
    receive: () => inbox.next(),
    close(reason = 'closed by the client') {
      shutDown({ initiator: 'local', code: 1000, reason });
    },
    onClose(listener) {
      if (closeInfo !== null) listener(closeInfo);
      else listeners.push(listener);
    },
    get closed() {
      return closeInfo !== null;
    },
  };

  const link: InMemoryLink = {
    transport,
    drop(reason = 'network failure (simulated)') {
      shutDown({ initiator: 'remote', code: 1006, reason });
    },
  };
  return link;
}

/**
 * A factory that connects each new transport to a fresh server end, e.g. a
 * new VerifierConversation on another "replica" — what reconnect + resume uses.
 */
export function inMemoryTransportFactory(
  newServer: () => FrameHandler,
  options: InMemoryLinkOptions & { onLink?(link: InMemoryLink): void } = {},
): TransportFactory {
  return async () => {
    const link = connectInMemory(newServer(), options);
    options.onLink?.(link);
    return link.transport;
  };
}
