// The WebSocket transport against a real socket: a `ws` server on an
// ephemeral port in front of VerifierConversation, the `ws` client injected
// as the WebSocket constructor (the browser's would be injected the same way).

import { encodeFrame } from '@specsteer/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { runSpecSteer } from '../session/specSteerSession.ts';
import { inMemoryTransportFactory } from './inMemoryTransport.ts';
import { WebSocketConnectError, connectWebSocket } from './webSocketTransport.ts';
import { TransportClosedError } from './clientTransport.ts';

const V = 12;
const p = randomNgramTable({ vocabSize: V, seed: 1 });
const s = randomNgramTable({ vocabSize: V, seed: 2 });
const q = randomNgramTable({ vocabSize: V, seed: 3 });
const verifier = tableVerifier({ vocabSize: V, target: p });

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

/** A verifier endpoint; `cut(n)` decides whether to terminate the socket on the n-th frame received. */
async function serve(
  cut: (frameIndex: number, connection: number) => boolean = () => false,
): Promise<string> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  let connections = 0;
  server.on('connection', (socket) => {
    const connection = ++connections;
    const conversation = verifier.newConversation();
    let frames = 0;
    socket.on('message', async (data, isBinary) => {
      if (cut(++frames, connection)) return socket.terminate();
      const reply = await conversation.handleFrame(isBinary ? data : data.toString());
      for (const message of reply.messages) socket.send(encodeFrame(message));
      if (reply.endConnection) socket.close(1008);
    });
    socket.on('close', () => void conversation.dispose());
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

const run = (connect: () => ReturnType<typeof connectWebSocket>, seed = 4) =>
  runSpecSteer({
    connect,
    drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
    context: { device: [0, 7, 7, 1, 2], public: [0, 1, 2] },
    reproducible: true,
    prompt: { tokens: [0, 1, 2] },
    tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
    sampling: { temperature: 1, seed, topK: 6, maxTokens: 30 },
    draftTokens: 4,
    reconnect: { initialDelayMs: 0 },
  });

describe('WebSocket transport', () => {
  it('runs a whole generation over a real socket with the same output as in memory', async () => {
    const url = await serve();
    const overSocket = await run(() => connectWebSocket(url, { WebSocket }));
    const inMemory = await run(inMemoryTransportFactory(() => verifier.newConversation()));
    expect(overSocket.tokens).toEqual(inMemory.tokens);
    expect(overSocket.tokens).toHaveLength(30);
  });

  it('resumes on a new socket when the server drops the connection mid-generation', async () => {
    // Kill the first connection on its 4th frame (hello, open, draft 0, then draft 1).
    const url = await serve((frame, connection) => connection === 1 && frame === 4);
    const result = await run(() => connectWebSocket(url, { WebSocket }));
    const expected = await run(inMemoryTransportFactory(() => verifier.newConversation()));
    expect(result.metrics.resumes).toBe(1);
    expect(result.tokens).toEqual(expected.tokens);
  });

  it('fails to connect with a coded error when nothing listens', async () => {
    const url = await serve();
    const port = Number(new URL(url).port);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(
      connectWebSocket(`ws://127.0.0.1:${port}`, { WebSocket, openTimeoutMs: 2000 }),
    ).rejects.toBeInstanceOf(WebSocketConnectError);
  });

  it('closes the transport when the server sends a frame that breaks the protocol', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(server);
    server.on('connection', (socket) =>
      socket.on('message', () => socket.send('{"type":"verdict"}')),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const transport = await connectWebSocket(
      `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
      { WebSocket },
    );
    transport.send({ type: 'ping' });
    await expect(transport.receive()).rejects.toBeInstanceOf(TransportClosedError);
    expect(transport.closed).toBe(true);
    expect(() => transport.send({ type: 'ping' })).toThrow(TransportClosedError);
  });
});
