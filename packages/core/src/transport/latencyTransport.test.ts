import { PROTOCOL_VERSION } from '@specsteer/protocol';
import { describe, expect, it } from 'vitest';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { TransportClosedError } from './clientTransport.ts';
import { connectInMemory, type InMemoryLink } from './inMemoryTransport.ts';
import { withLatency } from './latencyTransport.ts';

const V = 8;
const verifier = tableVerifier({
  vocabSize: V,
  target: randomNgramTable({ vocabSize: V, seed: 1 }),
});
const hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
} as const;

/** A clock that only moves when someone sleeps on it. */
function manualTime() {
  let now = 0;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('latency transport', () => {
  it('delays each message by the one-way latency in both directions: a reply costs one round trip', async () => {
    const time = manualTime();
    const delays: [number, string][] = [];
    const connect = withLatency(async () => connectInMemory(verifier.newConversation()).transport, {
      oneWayMs: 25,
      ...time,
      onDelay: (ms, direction) => delays.push([ms, direction]),
    });
    const transport = await connect();
    transport.send(hello);
    expect((await transport.receive()).type).toBe('welcome');
    expect(time.clock()).toBe(50);
    expect(delays).toEqual([
      [25, 'up'],
      [25, 'down'],
    ]);
    transport.close();
  });

  it('keeps the order of messages when the jitter would let a later one overtake', async () => {
    const time = manualTime();
    const draws = [0.99, 0.0, 0.5, 0.1, 0.9, 0.2, 0.7, 0.3, 0.6, 0.4, 0.8, 0.05];
    let i = 0;
    const connect = withLatency(async () => connectInMemory(verifier.newConversation()).transport, {
      oneWayMs: 20,
      jitterMs: 15,
      random: () => draws[i++ % draws.length]!,
      ...time,
    });
    const transport = await connect();
    transport.send(hello);
    for (let n = 0; n < 5; n++) transport.send({ type: 'ping', nonce: `n${n}` });
    expect((await transport.receive()).type).toBe('welcome');
    const nonces: unknown[] = [];
    for (let n = 0; n < 5; n++)
      nonces.push(((await transport.receive()) as { nonce?: string }).nonce);
    expect(nonces).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    transport.close();
  });

  it('reports a drop after the messages that arrived before it, and refuses sends once closed', async () => {
    const time = manualTime();
    let link: InMemoryLink | undefined;
    const connect = withLatency(
      async () => {
        link = connectInMemory(verifier.newConversation());
        return link.transport;
      },
      { oneWayMs: 10, ...time },
    );
    const transport = await connect();
    const closes: string[] = [];
    transport.onClose((info) => closes.push(info.initiator));
    transport.send(hello);
    expect((await transport.receive()).type).toBe('welcome');
    link!.drop('cable cut');
    await expect(transport.receive()).rejects.toBeInstanceOf(TransportClosedError);
    expect(transport.closed).toBe(true);
    expect(closes).toEqual(['remote']);
    expect(() => transport.send({ type: 'ping', nonce: 'late' })).toThrow(TransportClosedError);
  });

  it('refuses a negative latency', () => {
    expect(() =>
      withLatency(async () => connectInMemory(verifier.newConversation()).transport, {
        oneWayMs: -1,
      }),
    ).toThrow(RangeError);
  });
});
