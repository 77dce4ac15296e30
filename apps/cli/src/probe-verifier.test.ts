import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { DEFAULT_LIMITS } from '@specsteer/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CliUsageError, EXIT } from './cli-usage-error.ts';
import { fitToLimits, probeVerifier, verifierSocketUrl } from './probe-verifier.ts';

const FINGERPRINT = '0123456789abcdef';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function failure(url: string, timeoutMs = 5_000) {
  const error = await probeVerifier(url, { fingerprint: FINGERPRINT, timeoutMs }).then(
    () => null,
    (e: unknown) => e as { code: string; message: string; exitCode: number },
  );
  expect(error, 'the probe should fail').not.toBeNull();
  return error!;
}

describe('verifierSocketUrl', () => {
  it("takes a server URL without a path to mean the verifier's /v1/ws", () => {
    expect(verifierSocketUrl('ws://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/v1/ws');
    expect(verifierSocketUrl('ws://127.0.0.1:8787/')).toBe('ws://127.0.0.1:8787/v1/ws');
    expect(verifierSocketUrl('https://verifier.example.com')).toBe(
      'wss://verifier.example.com/v1/ws',
    );
  });

  it('keeps an explicit path (a verifier behind a proxy prefix)', () => {
    expect(verifierSocketUrl('wss://example.com/specsteer/v1/ws')).toBe(
      'wss://example.com/specsteer/v1/ws',
    );
  });

  it('refuses what is not a ws or http URL', () => {
    expect(() => verifierSocketUrl('127.0.0.1:8787')).toThrow(CliUsageError);
    expect(() => verifierSocketUrl('ftp://example.com')).toThrow(/ws:\/\/, wss:\/\//);
  });
});

describe('probeVerifier tells apart the ways a verifier URL can fail', () => {
  it('refused: nothing listens on the port', async () => {
    const port = await listen(createTcpServer());
    await closers.pop()!(); // the port was free a moment ago and is closed now
    const error = await failure(`ws://127.0.0.1:${port}/v1/ws`);
    expect(error.code).toBe('CONNECTION_REFUSED');
    expect(error.message).toMatch(/nothing is listening at 127\.0\.0\.1:\d+/);
    expect(error.exitCode).toBe(EXIT.unreachable);
  });

  it('not a SpecSteer endpoint: an HTTP server that answers the upgrade with 404', async () => {
    const port = await listen(
      createHttpServer((_request, response) => response.writeHead(404).end('no such page')),
    );
    const error = await failure(`ws://127.0.0.1:${port}/`);
    expect(error.code).toBe('NOT_SPECSTEER');
    expect(error.message).toMatch(/HTTP 404.*not a SpecSteer endpoint/);
  });

  it('not a SpecSteer endpoint: a WebSocket server that answers hello with something else', async () => {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => socket.on('message', () => socket.send('{"hello":"world"}')));
    const port = await listen(http);
    closers.push(async () => wss.close());
    const error = await failure(`ws://127.0.0.1:${port}/v1/ws`);
    expect(error.code).toBe('NOT_SPECSTEER');
  });

  it('timed out: a server that accepts the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => sockets.push(socket));
    const port = await listen(server);
    closers.push(async () => sockets.forEach((socket) => socket.destroy()));
    const error = await failure(`ws://127.0.0.1:${port}/v1/ws`, 300);
    expect(error.code).toBe('TIMED_OUT');
    expect(error.message).toContain('did not answer within 0.3 s');
  });

  it("passes on the verifier's own refusal of the handshake (its code and message)", async () => {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) =>
      socket.on('message', () =>
        socket.send(
          JSON.stringify({
            type: 'error',
            code: 'TOKENIZER_MISMATCH',
            message: 'the drafter uses another vocabulary',
          }),
        ),
      ),
    );
    const port = await listen(http);
    closers.push(async () => wss.close());
    const error = await failure(`ws://127.0.0.1:${port}/v1/ws`);
    expect(error.code).toBe('TOKENIZER_MISMATCH');
    expect(error.message).toBe('the drafter uses another vocabulary');
  });
});

describe('fitToLimits', () => {
  const limits = { ...DEFAULT_LIMITS, maxDraftTokens: 16, maxTopK: 5, maxTokens: 504 };

  it("lowers each setting above the verifier's announced limit and says which and why", () => {
    const fitted = fitToLimits({ k: 40, topK: 20, maxTokens: 32_768 }, limits);
    expect(fitted).toMatchObject({ k: 16, topK: 5, maxTokens: 504 });
    expect(fitted.clamps.map((c) => [c.flag, c.requested, c.used])).toEqual([
      ['--k', 40, 16],
      ['--top-k', 20, 5],
      ['--max-tokens', 32_768, 504],
    ]);
    expect(fitted.clamps[2]!.why).toContain("verifier's output limit");
  });

  it('leaves a request within the limits alone, without a notice', () => {
    expect(fitToLimits({ k: 8, topK: 5, maxTokens: 96 }, limits)).toEqual({
      k: 8,
      topK: 5,
      maxTokens: 96,
      clamps: [],
    });
  });
});
