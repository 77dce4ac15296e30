import fp from 'fastify-plugin';
import type { VerifierBackend } from '../../backends/backend.ts';
import type { Config } from '../../config/schema.ts';

// The scoring backend (the target p of docs/design.md §2), created once
// at start-up by the factory the caller injects, closed when the app closes.

declare module 'fastify' {
  interface FastifyInstance {
    backend: VerifierBackend;
  }
}

export type BackendFactory = (config: Config) => Promise<VerifierBackend>;

export default fp<{ createBackend: BackendFactory }>(
  async (fastify, { createBackend }) => {
    const started = performance.now();
    const backend = await createBackend(fastify.config);
    fastify.decorate('backend', backend);
    fastify.log.info(
      {
        backend: backend.name,
        family: backend.model.family,
        vocabSize: backend.vocabSize,
        tokenizerFingerprint: backend.tokenizerFingerprint,
        ms: Math.round(performance.now() - started),
      },
      'backend ready',
    );
    // Registered here so that it runs after the connection registry's shutdown (onClose runs in reverse order).
    fastify.addHook('onClose', async () => {
      await backend.close();
      fastify.log.info({ backend: backend.name }, 'backend closed');
    });
  },
  { name: 'specsteer-backend', dependencies: ['specsteer-config'] },
);
