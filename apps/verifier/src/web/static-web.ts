import { basename } from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

// Serves a built web client (a folder of static files, found by path: the
// verifier does not depend on the web app's code) and the model files the
// browser drafter loads, from the verifier's own origin. Cross-origin
// isolation headers on every file, so the WASM engine may use threads.

export interface StaticWebOptions {
  /** The built web app (index.html and assets/). */
  webRoot: string;
  /** Files served under /models/<file name> (the small GGUF): only these, nothing else of their folder. */
  modelFiles: readonly string[];
}

const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
} as const;

export const staticWeb = fp<StaticWebOptions>(
  async (fastify, { webRoot, modelFiles }) => {
    // @fastify/static 10 hands setHeaders the Fastify reply.
    const setHeaders = (reply: { header(name: string, value: string): unknown }) => {
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) reply.header(name, value);
    };
    await fastify.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      index: ['index.html'],
      setHeaders: setHeaders as never,
      // Hashed asset names change with their content; index.html must be fetched fresh.
      cacheControl: false,
    });
    const byName = new Map(modelFiles.map((path) => [basename(path), path]));
    for (const [name, path] of byName) {
      const dir = path.slice(0, path.length - name.length);
      fastify.get(`/models/${name}`, (_request, reply) => {
        for (const [header, value] of Object.entries(ISOLATION_HEADERS))
          reply.header(header, value);
        return reply.sendFile(name, dir, { cacheControl: true, maxAge: 3_600_000 });
      });
    }
  },
  { name: 'specsteer-static-web' },
);
