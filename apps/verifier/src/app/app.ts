import fp from 'fastify-plugin';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from '../config/schema.ts';
import configPlugin from './plugins/config.ts';
import metricsPlugin from './plugins/metrics.ts';
import roundRateLimitPlugin from './plugins/round-rate-limit.ts';
import websocketPlugin from './plugins/websocket.ts';
import healthRoutes from './routes/health.ts';
import verifierSocketRoute from './routes/verifier-socket.ts';
import backendService, { type BackendFactory } from './services/backend.ts';
import connectionRegistry from './services/connection-registry.ts';

export interface AppDependencies {
  /** Builds the scoring backend from the configuration (production: by `config.backend`). */
  createBackend: BackendFactory;
  /** Collect Node process metrics too (off in tests that build many apps). */
  defaultMetrics?: boolean;
}

/**
 * The whole verifier as one plugin: external → services → routes.
 * Not encapsulated, so whoever registers it (server.ts, tests) sees its decorators.
 */
const verifier: FastifyPluginAsync<{ config: Config; deps: AppDependencies }> = async (
  fastify,
  { config, deps },
) => {
  await fastify.register(configPlugin, { config });
  await fastify.register(metricsPlugin, { defaultMetrics: deps.defaultMetrics ?? true });
  await fastify.register(roundRateLimitPlugin);
  await fastify.register(websocketPlugin);

  await fastify.register(connectionRegistry);
  await fastify.register(backendService, { createBackend: deps.createBackend });

  fastify.setErrorHandler(function handleError(error: FastifyError, request, reply) {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'internal server error' });
    }
    return reply.code(status).send({ error: error.message });
  });

  // Fastify's own 404 logs and answers the whole URL, query string (and any key in it) included.
  fastify.setNotFoundHandler(function notFound(request, reply) {
    return reply
      .code(404)
      .send({ error: `no route ${request.method} ${withoutQuery(request.url)}` });
  });

  await fastify.register(healthRoutes);
  await fastify.register(verifierSocketRoute);
};

export const verifierApp = fp(verifier, { name: 'specsteer-verifier' });

export interface BuildAppOptions {
  /** Where pino writes (tests capture it); default stdout. */
  logStream?: DestinationStream;
}

/** `/v1/ws?x=1` → `/v1/ws?[redacted]`: query strings are never logged. */
export function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : `${url.slice(0, at)}?[redacted]`;
}

/** A Fastify instance with the verifier registered, not yet listening. */
export async function buildApp(
  config: Config,
  deps: AppDependencies,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Defence in depth: the default request serializer has no headers, but never let a key through.
      redact: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]', 'apiKey'],
      // The request line without its query string: a client may put a key there (refused on /v1/ws).
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: withoutQuery(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
      },
      ...(options.logStream && { stream: options.logStream }),
    },
    // A resume frame can hold a prompt plus committed tokens; HTTP bodies are not used otherwise.
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
    // Loading a GGUF pair and draining connections both take longer than Fastify's default 10 s.
    pluginTimeout: Math.max(120_000, config.shutdownGraceMs + 10_000),
  });
  await app.register(verifierApp, { config, deps });
  return app;
}
