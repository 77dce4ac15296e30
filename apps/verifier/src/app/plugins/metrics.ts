import fp from 'fastify-plugin';
import { VerifierMetrics } from '../../metrics/verifier-metrics.ts';

// One metrics registry per app instance, exposed as `fastify.metrics`.

declare module 'fastify' {
  interface FastifyInstance {
    metrics: VerifierMetrics;
  }
}

export default fp<{ defaultMetrics?: boolean }>(
  async (fastify, options) => {
    fastify.decorate(
      'metrics',
      new VerifierMetrics({ defaultMetrics: options.defaultMetrics ?? true }),
    );
  },
  { name: 'specsteer-metrics' },
);
