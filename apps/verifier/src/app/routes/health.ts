import type { FastifyPluginAsync } from 'fastify';

// Liveness, readiness and Prometheus metrics. Readiness is false while the
// backend cannot score or while the server is shutting down, so a load
// balancer stops sending new connections before sessions are closed.

const READY_CHECK_TIMEOUT_MS = 2_000;

const healthRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.get('/healthz', async () => ({ status: 'ok' }));

  fastify.get('/readyz', async (_request, reply) => {
    if (fastify.connections.shuttingDown) return reply.code(503).send({ status: 'shutting-down' });
    const ready = await withTimeout(fastify.backend.ready(), READY_CHECK_TIMEOUT_MS).catch(
      (error: unknown) => {
        fastify.log.warn({ err: error }, 'readiness check failed');
        return false;
      },
    );
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not-ready', backend: fastify.backend.name });
  });

  fastify.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await fastify.metrics.exposition();
    return reply.type(contentType).send(body);
  });
};

function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

export default healthRoutes;
