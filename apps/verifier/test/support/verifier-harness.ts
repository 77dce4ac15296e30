import type { FastifyInstance } from 'fastify';
import type { VerifierBackend } from '../../src/backends/backend.ts';
import { buildApp } from '../../src/app/app.ts';
import { VERIFIER_SOCKET_PATH } from '../../src/app/routes/verifier-socket.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createTableBackend, type TableBackendOptions } from './table-backend.ts';

// Builds the real app the way server.ts does, with a backend the test chooses,
// and captures every log line so tests can read what the server wrote.

export interface StartedVerifier {
  app: FastifyInstance;
  config: Config;
  backend: VerifierBackend;
  /** Every pino line the app wrote, raw JSON text. */
  logs: string[];
  /** ws://127.0.0.1:<port>/v1/ws when listening. */
  url: string;
  close(): Promise<void>;
}

export interface StartVerifierOptions {
  env?: Record<string, string>;
  backend?: VerifierBackend | (() => Promise<VerifierBackend>);
  table?: TableBackendOptions;
  /** Open a port (WebSocket tests); HTTP tests use app.inject(). Default true. */
  listen?: boolean;
}

export async function startVerifier(options: StartVerifierOptions = {}): Promise<StartedVerifier> {
  const config = loadConfig({
    env: { SPECSTEER_LOG_LEVEL: 'info', SPECSTEER_PORT: '0', ...options.env },
    fileExists: () => true,
  });
  const logs: string[] = [];
  const backend =
    options.backend === undefined
      ? await createTableBackend(options.table)
      : typeof options.backend === 'function'
        ? await options.backend()
        : options.backend;
  const app = await buildApp(
    config,
    { createBackend: async () => backend, defaultMetrics: false },
    { logStream: { write: (line: string) => void logs.push(line) } },
  );
  let url = '';
  if (options.listen ?? true) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
    url = `ws://127.0.0.1:${address.port}${VERIFIER_SOCKET_PATH}`;
  } else {
    await app.ready();
  }
  let closed = false;
  return {
    app,
    config,
    backend,
    logs,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
