// Entry point: read the configuration, build the app, listen, and shut down
// gracefully on SIGTERM/SIGINT. Everything else lives in app/ (a plugin).

import { createServer } from 'node:net';
import { buildApp } from './app/app.ts';
import { createConfiguredBackend } from './app/services/create-backend.ts';
import {
  ConfigError,
  describeUnknownVariable,
  loadConfig,
  unknownVariables,
} from './config/index.ts';

/** Bind and release host:port, so that a port in use stops the server before the models load. */
function probePort(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

function cannotListen(host: string, port: number, error: NodeJS.ErrnoException): never {
  const why =
    error.code === 'EADDRINUSE'
      ? 'is in use by another process; stop it or set SPECSTEER_PORT'
      : error.code === 'EACCES'
        ? 'needs privileges this process lacks; choose a port above 1023 with SPECSTEER_PORT'
        : `cannot be bound (${error.code ?? error.message}); check SPECSTEER_HOST and SPECSTEER_PORT`;
  process.stderr.write(`specsteer-verifier: ${host}:${port} ${why}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  for (const unknown of unknownVariables(process.env)) {
    process.stderr.write(`specsteer-verifier: warning: ${describeUnknownVariable(unknown)}\n`);
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`specsteer-verifier: invalid configuration: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  // Before the models load (which takes a while): a port in use is reported at once, plainly.
  const portProblem = await probePort(config.host, config.port);
  if (portProblem !== null) cannotListen(config.host, config.port, portProblem);

  const app = await buildApp(config, { createBackend: createConfiguredBackend });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // If draining hangs past the grace period (plus time to close the backend), exit anyway.
    const deadline = setTimeout(() => {
      app.log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Taken between the probe and now.
    if ((error as NodeJS.ErrnoException).code !== undefined) {
      await app.close().catch(() => undefined);
      cannotListen(config.host, config.port, error as NodeJS.ErrnoException);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `specsteer-verifier: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
