// The device's connection in the benchmark: core's WebSocket transport over
// the `ws` package to the verifier on loopback, counting the bytes of every
// frame each way, with the latency under test injected on the device side
// (core's withLatency: one-way delay and jitter on send and on receive).

import { connectWebSocket, withLatency, type TransportFactory } from '@specsteer/core';
import WebSocket from 'ws';

/** Bytes and injected delay of the connections opened through one meter. */
export interface TrafficMeter {
  uplinkBytes: number;
  downlinkBytes: number;
  /** Sum of the delays injected, both directions (ms). */
  injectedMs: number;
  connections: number;
}

export function newMeter(): TrafficMeter {
  return { uplinkBytes: 0, downlinkBytes: 0, injectedMs: 0, connections: 0 };
}

export interface BenchConnectionOptions {
  url: string;
  /** Added round-trip time: half of it on each direction. */
  rttMs: number;
  jitterMs: number;
  /** Uniform draws for the jitter (seeded per task). */
  random: () => number;
  meter: TrafficMeter;
}

export function benchConnection(options: BenchConnectionOptions): TransportFactory {
  const { meter } = options;
  // ws's WebSocket, counting what goes on the wire (frame payloads, as UTF-8 bytes).
  class MeteredWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      meter.connections++;
      this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        meter.downlinkBytes += Array.isArray(data)
          ? data.reduce((n, b) => n + b.length, 0)
          : data instanceof ArrayBuffer
            ? data.byteLength
            : data.length;
      });
    }
    override send(data: string): void {
      meter.uplinkBytes += Buffer.byteLength(data, 'utf8');
      super.send(data);
    }
  }
  const socket: TransportFactory = () =>
    connectWebSocket(options.url, {
      WebSocket: MeteredWebSocket as unknown as Parameters<typeof connectWebSocket>[1]['WebSocket'],
      protocols: 'specsteer',
      openTimeoutMs: 10_000,
    });
  if (options.rttMs === 0 && options.jitterMs === 0) return socket;
  return withLatency(socket, {
    oneWayMs: options.rttMs / 2,
    jitterMs: options.jitterMs,
    random: options.random,
    onDelay: (ms) => (meter.injectedMs += ms),
  });
}
