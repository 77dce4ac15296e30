// The verifier for verifier-load-bench.ts, in its own process so that the
// devices' work does not share its event loop: the embedded llama.cpp
// backend (or the table backend with --backend table), on an ephemeral
// loopback port, printed as one JSON line on stdout. Stops on SIGTERM.

import { parseArgs } from 'node:util';
import type { VerifierBackend } from '../src/backends/backend.ts';
import { buildApp } from '../src/app/app.ts';
import { VERIFIER_SOCKET_PATH } from '../src/app/routes/verifier-socket.ts';
import { loadConfig } from '../src/config/index.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'llamacpp' },
    'max-draft-tokens': { type: 'string', default: '16' },
    'max-contexts': { type: 'string' },
    'sequences-per-context': { type: 'string' },
    // `default`: the server's own rate limits and caps (the flood bench); `lifted`: none in the way.
    limits: { type: 'string', default: 'lifted' },
  },
});

async function createBackend(): Promise<VerifierBackend> {
  if (values.backend === 'table') {
    const { createTableBackend } = await import('../test/support/table-backend.ts');
    return createTableBackend();
  }
  const { createLlamaCppBackend } = await import('../src/backends/llamacpp/index.ts');
  const { testModelPair, NO_MODEL_PAIR_REASON } = await import('@specsteer/llama/testing');
  const pair = testModelPair();
  if (pair === null) throw new Error(NO_MODEL_PAIR_REASON);
  return createLlamaCppBackend({
    ...pair,
    ...(values['max-contexts'] !== undefined && { maxContexts: Number(values['max-contexts']) }),
    ...(values['sequences-per-context'] !== undefined && {
      sequencesPerContext: Number(values['sequences-per-context']),
    }),
  });
}

const backend = await createBackend();
const lifted = {
  // Every bench device comes from 127.0.0.1, one caller of an open server: lift its round budget.
  SPECSTEER_ROUNDS_PER_SECOND: '1000000',
  SPECSTEER_RATE_LIMIT_BURST: '1000000',
  SPECSTEER_OPENS_PER_SECOND: '1000000',
  SPECSTEER_OPEN_BURST: '1000000',
  // …and all connect at once, before any has said hello.
  SPECSTEER_MAX_UNAUTHENTICATED_PER_ADDRESS: '100000',
};
const config = loadConfig({
  env: {
    SPECSTEER_LOG_LEVEL: 'warn',
    ...(values.limits === 'lifted' && lifted),
    SPECSTEER_MAX_DRAFT_TOKENS: values['max-draft-tokens'],
  },
  fileExists: () => true,
});
const app = await buildApp(
  config,
  { createBackend: async () => backend },
  { logStream: process.stderr },
);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(
  `${JSON.stringify({ url: `ws://127.0.0.1:${port}${VERIFIER_SOCKET_PATH}`, http: `http://127.0.0.1:${port}`, backend: backend.name, model: backend.model, vocabSize: backend.vocabSize, fingerprint: backend.tokenizerFingerprint })}\n`,
);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
