// Compiles the verifier server into one JavaScript file, dist/server.mjs, for
// the image (apps/verifier/Dockerfile): the workspace packages and every
// pure-JavaScript dependency are bundled, so the image runs plain `node`
// without TypeScript, tsx or a compile cache. node-llama-cpp stays outside:
// it loads its native llama.cpp build from its own package at run time.
// The licenses of the bundled packages go to dist/THIRD_PARTY_LICENSES.txt.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { RUNTIME_EXTERNALS } from './runtime.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: RUNTIME_EXTERNALS,
  // Bundled CommonJS dependencies (fastify, pino, ws) call require(); ESM output has none of its own.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The directory of the npm package a bundled file belongs to (nearest package.json with a name), or null for ours. */
function packageDirOf(file) {
  if (!file.includes('node_modules')) return null;
  for (let dir = dirname(resolve(root, file)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name) return dir;
  }
  return null;
}

const packages = new Map();
for (const file of Object.keys(result.metafile.inputs)) {
  const dir = packageDirOf(file);
  if (dir === null) continue;
  const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  packages.set(`${name}@${version}`, {
    license: license ?? 'see text',
    text: licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : '(no license file)',
  });
}
const notices = [...packages]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([id, { license, text }]) => `${id} (${license})\n\n${text}\n`);
writeFileSync(
  join(root, 'dist', 'THIRD_PARTY_LICENSES.txt'),
  `dist/server.mjs bundles these packages; their licenses follow.\n\n${notices.join('\n' + '-'.repeat(72) + '\n\n')}`,
);
