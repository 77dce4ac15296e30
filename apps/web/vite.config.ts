import { defineConfig, type Plugin } from 'vite';
import { buildDemoPersonas } from './scripts/demoPersonas.ts';

// The demo personas are computed from the PersonaWorld generator at build
// time (seed 1, the eval split the models were evaluated on) and bundled as
// a small virtual module: no data file to keep in sync.
function demoPersonas(): Plugin {
  const id = 'virtual:demo-personas';
  return {
    name: 'specsteer-demo-personas',
    resolveId: (source) => (source === id ? '\0' + id : null),
    load: (resolved) =>
      resolved === '\0' + id ? `export default ${JSON.stringify(buildDemoPersonas())};` : null,
  };
}

export default defineConfig({
  plugins: [demoPersonas()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
});
