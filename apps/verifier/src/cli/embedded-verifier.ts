import type { DestinationStream } from 'pino';
import { buildApp } from '../app/app.ts';
import { VERIFIER_SOCKET_PATH } from '../app/routes/verifier-socket.ts';
import { createLlamaCppBackend } from '../backends/llamacpp/index.ts';
import { loadConfig } from '../config/index.ts';

export interface EmbeddedVerifierOptions {
  targetPath: string;
  referencePath: string;
  logLevel: string;
  /** Where the verifier's logs go (the CLI: stderr). */
  logStream: DestinationStream;
}

export interface EmbeddedVerifier {
  /** ws:// URL of the verifier's socket on 127.0.0.1 (an ephemeral port). */
  url: string;
  close(): Promise<void>;
}

/**
 * The whole verifier (the same app as server.ts) on the embedded llama.cpp
 * backend, listening on an ephemeral loopback port: so one command works on
 * a fresh machine, and the CLI still speaks the real protocol over a socket.
 */
export async function startEmbeddedVerifier(
  options: EmbeddedVerifierOptions,
): Promise<EmbeddedVerifier> {
  const config = loadConfig({
    env: {
      SPECSTEER_HOST: '127.0.0.1',
      SPECSTEER_PORT: '0',
      SPECSTEER_BACKEND: 'llamacpp',
      SPECSTEER_TARGET_MODEL_PATH: options.targetPath,
      SPECSTEER_REFERENCE_MODEL_PATH: options.referencePath,
      SPECSTEER_LOG_LEVEL: options.logLevel,
    },
  });
  const app = await buildApp(
    config,
    {
      createBackend: (c) =>
        createLlamaCppBackend({
          targetPath: c.targetModelPath,
          referencePath: c.referenceModelPath,
        }),
      defaultMetrics: false,
    },
    { logStream: options.logStream },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}${VERIFIER_SOCKET_PATH}`,
    close: () => app.close(),
  };
}
