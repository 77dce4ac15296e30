// A client transport that makes the network slower on purpose: every message
// the device sends reaches the real transport after a one-way delay, and
// every message the server sends reaches the device after another one, with
// optional jitter, order kept both ways. The benchmark wraps a real WebSocket
// on loopback with it to measure SpecSteer at 20, 50, 200 ms round trips.

import type { ClientMessageInput, ServerMessage } from '@specsteer/protocol';
import { monotonicClock, type Clock } from '../metrics/clock.ts';
import {
  TransportClosedError,
  type ClientTransport,
  type TransportCloseInfo,
  type TransportFactory,
} from './clientTransport.ts';
import { MessageQueue } from './messageQueue.ts';

export interface LatencyOptions {
  /** Delay of every message in each direction (half the added round-trip time), ms. */
  oneWayMs: number;
  /** Each message's delay is oneWayMs ± up to jitterMs, uniformly (never below 0; order is kept). */
  jitterMs?: number;
  /** Uniform draws in [0, 1) for the jitter (seed it for a reproducible run). */
  random?: () => number;
  clock?: Clock;
  sleep?(ms: number): Promise<void>;
  /** Called with every delay applied, in ms (the benchmark sums what it injected). */
  onDelay?(ms: number, direction: 'up' | 'down'): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wrap each connection `connect` opens with the delays of `options`. */
export function withLatency(connect: TransportFactory, options: LatencyOptions): TransportFactory {
  if (!(options.oneWayMs >= 0) || !((options.jitterMs ?? 0) >= 0)) {
    throw new RangeError(
      `latency must be ≥ 0 ms (got one-way ${options.oneWayMs}, jitter ${options.jitterMs ?? 0})`,
    );
  }
  return async () => delayed(await connect(), options);
}

function delayed(inner: ClientTransport, options: LatencyOptions): ClientTransport {
  const clock = options.clock ?? monotonicClock;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const jitter = options.jitterMs ?? 0;
  const inbox = new MessageQueue<ServerMessage>();
  const listeners: ((info: TransportCloseInfo) => void)[] = [];
  let closeInfo: TransportCloseInfo | null = null;
  // The time the last message of each direction is due: a later one never overtakes it.
  let upDue = 0;
  let downDue = 0;
  let up: Promise<void> = Promise.resolve();
  let down: Promise<void> = Promise.resolve();

  const delay = (direction: 'up' | 'down') => {
    const ms = Math.max(0, options.oneWayMs + (jitter > 0 ? jitter * (2 * random() - 1) : 0));
    options.onDelay?.(ms, direction);
    return ms;
  };
  const waitUntil = async (due: number) => {
    const wait = due - clock();
    if (wait > 0) await sleep(wait);
  };
  const shutDown = (info: TransportCloseInfo) => {
    if (closeInfo !== null) return;
    closeInfo = info;
    inbox.close(new TransportClosedError(info));
    for (const listener of listeners) listener(info);
  };

  // Read the real transport as fast as it delivers; hand each message over once its delay is out.
  void (async () => {
    for (;;) {
      let message: ServerMessage;
      try {
        message = await inner.receive();
      } catch (error) {
        const info =
          error instanceof TransportClosedError
            ? error.info
            : { initiator: 'remote' as const, reason: String(error) };
        // A drop reaches the device after the messages that came before it.
        down = down.then(() => shutDown(info));
        return;
      }
      downDue = Math.max(downDue, clock() + delay('down'));
      const due = downDue;
      down = down.then(async () => {
        await waitUntil(due);
        if (closeInfo === null) inbox.push(message);
      });
    }
  })();

  return {
    send(message: ClientMessageInput) {
      if (closeInfo !== null) throw new TransportClosedError(closeInfo);
      upDue = Math.max(upDue, clock() + delay('up'));
      const due = upDue;
      up = up.then(async () => {
        await waitUntil(due);
        // A send on a connection that dropped meanwhile is lost, as on a real network.
        if (closeInfo !== null || inner.closed) return;
        try {
          inner.send(message);
        } catch {
          // The real transport closed meanwhile; its receive side reports the drop.
        }
      });
    },
    receive: () => inbox.next(),
    close(reason = 'closed by the client') {
      shutDown({ initiator: 'local', code: 1000, reason });
      inner.close(reason);
    },
    onClose(listener) {
      if (closeInfo !== null) listener(closeInfo);
      else listeners.push(listener);
    },
    get closed() {
      return closeInfo !== null;
    },
  };
}
