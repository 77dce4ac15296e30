// `pnpm start`: the verifier on the embedded llama.cpp backend (the large model scores p), serving the
// built web app and the small GGUF the browser drafts with — one process,
// one URL. Environment variables (SPECSTEER_*) still override the defaults.
//   node --import tsx src/serve-web.ts [--web-root DIR] [--port N] [--host H]

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app/app.ts';
import { createConfiguredBackend } from './app/services/create-backend.ts';
import { REPOSITORY_ROOT, SHIPPED_MODEL_PAIR } from '@specsteer/llama';
import { ConfigError, loadConfig } from './config/index.ts';
import { staticWeb } from './web/static-web.ts';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const webRoot = argument('web-root') ?? join(REPOSITORY_ROOT, 'apps', 'web', 'dist');
  if (!existsSync(join(webRoot, 'index.html'))) {
    process.stderr.write(
      `specsteer: no built web app in ${webRoot}; run \`pnpm --filter @specsteer/web build\` first (pnpm start does)\n`,
    );
    process.exit(66);
  }
  let config;
  try {
    config = loadConfig({
      env: {
        SPECSTEER_BACKEND: 'llamacpp',
        SPECSTEER_TARGET_MODEL_PATH: SHIPPED_MODEL_PAIR.targetPath,
        SPECSTEER_PORT: argument('port') ?? '8787',
        SPECSTEER_HOST: argument('host') ?? '127.0.0.1',
        ...process.env,
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`specsteer: invalid configuration: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await buildApp(config, { createBackend: createConfiguredBackend });
  await app.register(staticWeb, { webRoot, modelFiles: [SHIPPED_MODEL_PAIR.referencePath] });
  const shutdown = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  process.stdout.write(`\nSpecSteer is ready: open http://${config.host}:${port}/\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `specsteer: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
