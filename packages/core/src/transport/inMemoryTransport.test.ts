import { PROTOCOL_VERSION } from '@specsteer/protocol';
import { describe, expect, it } from 'vitest';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { TransportClosedError } from './clientTransport.ts';
import { connectInMemory } from './inMemoryTransport.ts';
import { MessageQueue } from './messageQueue.ts';

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

describe('in-memory transport', () => {
  it('delivers replies in order, each after the one-way latency both ways', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const link = connectInMemory(verifier.newConversation(), {
      latencyMs: 25,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    const { transport } = link;
    transport.send(hello);
    for (let i = 0; i < 5; i++) transport.send({ type: 'ping', nonce: `n${i}` });
    expect((await transport.receive()).type).toBe('welcome');
    const nonces: unknown[] = [];
    for (let i = 0; i < 5; i++)
      nonces.push(((await transport.receive()) as { nonce?: string }).nonce);
    expect(nonces).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(sleeps[0]).toBe(25);
    expect(now).toBeGreaterThanOrEqual(50); // there and back
  });

  it('a drop loses frames in flight, rejects receive and send, and tells onClose once', async () => {
    const link = connectInMemory(verifier.newConversation());
    const closes: string[] = [];
    link.transport.onClose((info) => closes.push(info.initiator));
    link.transport.send(hello);
    link.drop();
    await expect(link.transport.receive()).rejects.toBeInstanceOf(TransportClosedError);
    expect(() => link.transport.send(hello)).toThrow(TransportClosedError);
    link.transport.close();
    expect(closes).toEqual(['remote']);
    expect(link.transport.closed).toBe(true);
  });

  it('closes from the server side after a connection-scope error', async () => {
    const link = connectInMemory(verifier.newConversation());
    link.transport.send({ ...hello, protocolVersion: 'specsteer/0' });
    expect(await link.transport.receive()).toMatchObject({
      type: 'error',
      code: 'UNSUPPORTED_VERSION',
    });
    await expect(link.transport.receive()).rejects.toMatchObject({
      info: { initiator: 'remote', code: 1008 },
    });
  });
});

describe('MessageQueue', () => {
  it('hands items out in push order, then the close error once drained', async () => {
    const queue = new MessageQueue<number>();
    const waiting = queue.next();
    queue.push(1);
    queue.push(2);
    queue.close(new Error('gone'));
    queue.push(3);
    expect(await waiting).toBe(1);
    expect(await queue.next()).toBe(2);
    await expect(queue.next()).rejects.toThrow('gone');
  });
});
