import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hello } from './support/handshake.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// A key planted everywhere a client may put one — the Authorization header,
// the bearer subprotocol (alone and with `specsteer`), hello.apiKey, the URL's
// query string — and a wrong key the same ways: no log line at trace level
// and no response header may ever contain either.

const KEY = 'planted-secret-key-7f3a9c2e41d8';
const WRONG = 'wrong-secret-key-55b1e0c9a7d3';

interface Attempt {
  status: number;
  headers: IncomingHttpHeaders;
  frames: string[];
}

/** Upgrade, send `frames`, collect what comes back for a moment, close; with the upgrade's response headers. */
function attempt(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string>; send?: object[] },
): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    const frames: string[] = [];
    let headers: IncomingHttpHeaders = {};
    socket.once('upgrade', (response) => (headers = response.headers));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, headers: response.headers, frames });
      socket.terminate();
    });
    socket.on('message', (data) => frames.push(data.toString()));
    socket.once('open', () => {
      for (const frame of options.send ?? []) socket.send(JSON.stringify(frame));
      setTimeout(() => socket.close(), 150);
    });
    socket.once('close', () => resolve({ status: 101, headers, frames }));
    socket.once('error', () => resolve({ status: 0, headers, frames }));
  });
}

describe('no key in any log line or response header', () => {
  let server: StartedVerifier;
  const attempts: Attempt[] = [];

  beforeAll(async () => {
    server = await startVerifier({
      env: { SPECSTEER_API_KEYS: KEY, SPECSTEER_LOG_LEVEL: 'trace' },
    });
    const fingerprint = server.backend.tokenizerFingerprint;
    const base = server.url;
    for (const key of [KEY, WRONG]) {
      attempts.push(
        await attempt(base, {
          headers: { authorization: `Bearer ${key}` },
          send: [hello(fingerprint)],
        }),
        await attempt(base, { protocols: [`specsteer.bearer.${key}`], send: [hello(fingerprint)] }),
        await attempt(base, {
          protocols: ['specsteer', `specsteer.bearer.${key}`],
          send: [hello(fingerprint)],
        }),
        await attempt(base, { send: [hello(fingerprint, { apiKey: key })] }),
        await attempt(`${base}?apiKey=${key}`, { send: [hello(fingerprint)] }),
        await attempt(`${base}?access_token=${key}&x=1`, {}),
      );
    }
    for (const url of [`/healthz?key=${KEY}`, `/readyz?apiKey=${KEY}`, `/nowhere?key=${KEY}`]) {
      const response = await server.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${KEY}` },
      });
      attempts.push({
        status: response.statusCode,
        headers: response.headers as IncomingHttpHeaders,
        frames: [],
      });
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the right key on the header, the subprotocol (with specsteer) or hello is welcomed', () => {
    const welcomed = attempts.filter((a) => a.frames.some((f) => f.includes('"type":"welcome"')));
    expect(welcomed).toHaveLength(3);
  });

  it('a key in the query string, or a bearer subprotocol offered alone, is refused before the upgrade (HTTP 400)', () => {
    const refused = attempts.filter((a) => a.status === 400);
    expect(refused).toHaveLength(6);
  });

  it('no response header carries either key; a lone bearer subprotocol is not echoed', () => {
    for (const { headers } of attempts) {
      const text = JSON.stringify(headers);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain('specsteer.bearer');
    }
  });

  it('no log line carries either key, at trace level', () => {
    expect(server.logs.length).toBeGreaterThan(20);
    expect(server.config.logLevel).toBe('trace');
    for (const line of server.logs) {
      expect(line).not.toContain(KEY);
      expect(line).not.toContain(WRONG);
    }
  });
});
