import fp from 'fastify-plugin';
import { RoundRateLimiter } from '../limits/round-rate-limiter.ts';

// Per-caller round budgets shared by all connections of this instance (`fastify.roundRateLimiter`).

declare module 'fastify' {
  interface FastifyInstance {
    roundRateLimiter: RoundRateLimiter;
    /** The same per caller for `open` and `resume`, with its own (lower) rate. */
    openRateLimiter: RoundRateLimiter;
  }
}

export default fp(
  async (fastify) => {
    const { roundsPerSecond, rateLimitBurst, opensPerSecond, openBurst } = fastify.config;
    fastify.decorate(
      'roundRateLimiter',
      new RoundRateLimiter({ roundsPerSecond, burst: rateLimitBurst }),
    );
    fastify.decorate(
      'openRateLimiter',
      new RoundRateLimiter({ roundsPerSecond: opensPerSecond, burst: openBurst }),
    );
  },
  { name: 'specsteer-round-rate-limit', dependencies: ['specsteer-config'] },
);
