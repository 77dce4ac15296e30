import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { generate, socketFactory } from './support/device.ts';
import { hello } from './support/handshake.ts';
import { RawDevice } from './support/raw-device.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// Connections that have not said hello cannot hold the server: they get a
// short deadline that pings do not extend, one address may keep only a few of
// them, and all of them together at most half the slots. A device with a key
// on the upgrade gets in while keyless sockets flood.

const KEY = 'device-key-0123456789abcdef';
const servers: StartedVerifier[] = [];
const sockets: WebSocket[] = [];

async function verifier(env: Record<string, string>): Promise<StartedVerifier> {
  const server = await startVerifier({ env: { SPECSTEER_API_KEYS: KEY, ...env } });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Try an upgrade without a key; the HTTP status when it is refused, 101 when it opens. */
function keylessUpgrade(url: string): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      sockets.push(socket);
      resolve({ status: 101, socket });
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', () => resolve({ status: 0 }));
  });
}

describe('before hello', () => {
  it('a socket that only pings is closed at the hello deadline with IDLE_TIMEOUT', async () => {
    const server = await verifier({ SPECSTEER_HELLO_TIMEOUT_MS: '400' });
    const pinger = await RawDevice.connect(server.url);
    const greeted = await RawDevice.connect(server.url);
    expect(
      (await greeted.request(hello(server.backend.tokenizerFingerprint, { apiKey: KEY }))).type,
    ).toBe('welcome');
    const pinging = setInterval(() => {
      if (pinger.socket.readyState === WebSocket.OPEN) pinger.send({ type: 'ping' });
    }, 50);
    const started = performance.now();
    const { code } = await pinger.closed;
    clearInterval(pinging);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(code).toBe(1000);
    const refusal = pinger.received.find((m) => m.type === 'error');
    expect(refusal).toMatchObject({ type: 'error', code: 'IDLE_TIMEOUT' });
    // The one that said hello in time is still served.
    expect((await greeted.request({ type: 'ping', nonce: 'n' })).type).toBe('pong');
    greeted.close();
  });

  it('one address holds at most maxUnauthenticatedPerAddress sockets before hello; finishing hello frees the slot', async () => {
    const server = await verifier({ SPECSTEER_MAX_UNAUTHENTICATED_PER_ADDRESS: '3' });
    const first = await Promise.all([1, 2, 3].map(() => keylessUpgrade(server.url)));
    expect(first.map((r) => r.status)).toEqual([101, 101, 101]);
    expect((await keylessUpgrade(server.url)).status).toBe(429);
    // One of them authenticates with hello: its address may open another.
    const device = first[0]!.socket!;
    const welcome = new Promise<string>((resolve) =>
      device.once('message', (data) => resolve(JSON.parse(data.toString()).type)),
    );
    device.send(JSON.stringify(hello(server.backend.tokenizerFingerprint, { apiKey: KEY })));
    expect(await welcome).toBe('welcome');
    expect((await keylessUpgrade(server.url)).status).toBe(101);
    expect((await keylessUpgrade(server.url)).status).toBe(429);
  });

  it('a keyed device gets a slot and generates while 40 keyless sockets ping once a second', async () => {
    const server = await verifier({
      SPECSTEER_MAX_CONNECTIONS: '40',
      SPECSTEER_MAX_UNAUTHENTICATED_PER_ADDRESS: '4',
    });
    const flood = await Promise.all(Array.from({ length: 40 }, () => keylessUpgrade(server.url)));
    const held = flood.filter((r) => r.status === 101);
    expect(held.length).toBeLessThanOrEqual(4);
    expect(flood.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(36);
    const pinging = setInterval(() => {
      for (const { socket } of held) {
        if (socket?.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }
    }, 1_000);
    try {
      const result = await generate(
        socketFactory(server.url, { headers: { authorization: `Bearer ${KEY}` } }),
        server.backend.tokenizerFingerprint,
        { maxTokens: 12 },
      );
      expect(result.tokens.length).toBeGreaterThan(0);
    } finally {
      clearInterval(pinging);
    }
  });

  it('without a key on the upgrade, sockets before hello hold at most half of maxConnections in all', async () => {
    // Every socket here comes from 127.0.0.1: a per-address cap above the overall one isolates the latter.
    const server = await verifier({
      SPECSTEER_MAX_CONNECTIONS: '6',
      SPECSTEER_MAX_UNAUTHENTICATED_PER_ADDRESS: '100',
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await keylessUpgrade(server.url)).status);
    expect(statuses).toEqual([101, 101, 101, 429, 429]);
    const keyed = await RawDevice.connect(server.url, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect((await keyed.request(hello(server.backend.tokenizerFingerprint))).type).toBe('welcome');
    keyed.close();
  });
});
