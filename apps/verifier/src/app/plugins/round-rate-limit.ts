import fp from 'fastify-plugin';
import { RoundRateLimiter } from '../limits/round-rate-limiter.ts';

// Per-caller round budgets shared by all connections of this instance (`fastify.roundRateLimiter`).

declare module 'fastify' {
  interface FastifyInstance {
    roundRateLimiter: RoundRateLimiter;
  }
}

export default fp(
  async (fastify) => {
    const { roundsPerSecond, rateLimitBurst } = fastify.config;
    fastify.decorate(
      'roundRateLimiter',
      new RoundRateLimiter({ roundsPerSecond, burst: rateLimitBurst }),
    );
  },
  { name: 'specsteer-round-rate-limit', dependencies: ['specsteer-config'] },
);
