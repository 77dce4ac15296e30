import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { createTableBackend } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

let verifier: StartedVerifier | undefined;
afterEach(async () => {
  await verifier?.close();
  verifier = undefined;
});

describe('health, readiness and metrics over HTTP', () => {
  it('answers liveness without touching the backend', async () => {
    verifier = await startVerifier({ listen: false });
    const response = await verifier.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the backend can score and not ready when it cannot', async () => {
    let backendReady = true;
    verifier = await startVerifier({ listen: false, table: { ready: () => backendReady } });
    expect((await verifier.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    backendReady = false;
    const notReady = await verifier.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'not-ready', backend: 'llamacpp' });
  });

  it('exposes the verifier metrics in Prometheus text format', async () => {
    verifier = await startVerifier({ listen: false });
    const response = await verifier.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    for (const name of [
      'specsteer_rounds_total',
      'specsteer_accepted_tokens_total',
      'specsteer_verify_duration_seconds_bucket',
      'specsteer_open_sessions',
      'specsteer_open_connections',
      'specsteer_errors_total',
    ]) {
      expect(response.body).toContain(name);
    }
  });

  it('answers an unknown route with 404 and a plain WebSocket request to the socket path with 404', async () => {
    verifier = await startVerifier({ listen: false });
    expect((await verifier.app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
    expect((await verifier.app.inject({ method: 'GET', url: '/v1/ws' })).statusCode).toBe(404);
  });

  it('closes the backend when the app closes', async () => {
    verifier = await startVerifier({ listen: false });
    const ready = () => verifier!.backend.ready();
    expect(await ready()).toBe(true);
    await verifier.close();
    expect(await ready()).toBe(false);
  });

  it('answers a server fault with a bare 500; the details go to the log only', async () => {
    const logs: string[] = [];
    const app = await buildApp(
      loadConfig({ env: {}, fileExists: () => true }),
      { createBackend: () => createTableBackend(), defaultMetrics: false },
      { logStream: { write: (line: string) => void logs.push(line) } },
    );
    app.get('/fault', async () => {
      throw new Error('disk /srv/secret is full');
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/fault' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ error: 'internal server error' });
      expect(logs.some((line) => line.includes('disk /srv/secret is full'))).toBe(true);
    } finally {
      await app.close();
    }
  });
});
