import fp from 'fastify-plugin';
import type { Config } from '../../config/schema.ts';

// The validated configuration, available to every later plugin as `fastify.config`.

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export default fp<{ config: Config }>(
  async (fastify, { config }) => {
    fastify.decorate('config', config);
    if (config.apiKeys.length === 0) {
      fastify.log.warn(
        'no API keys configured (SPECSTEER_API_KEYS): the verifier is open to anyone who can reach it',
      );
    }
  },
  { name: 'specsteer-config' },
);
