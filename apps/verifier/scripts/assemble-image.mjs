// Assembles the verifier image's /app from a built workspace:
//   node apps/verifier/scripts/assemble-image.mjs /app
// dist/ (the compiled server, build.mjs) plus node_modules holding only the
// packages the compiled server imports at run time (runtime.mjs) and their
// dependencies, in pnpm's layout. Left out: llama.cpp builds for other
// platforms and GPUs, node-llama-cpp's llama.cpp source bundle (only needed
// to compile llama.cpp, which the image never does), TypeScript files and
// source maps. Prints the size of what it assembled.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  lstatSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import console from 'node:console';
import process from 'node:process';
import { RUNTIME_EXTERNALS } from './runtime.mjs';

const verifierDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(verifierDir, '../..');
const out = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: assemble-image.mjs OUTPUT_DIR');
if (!existsSync(join(verifierDir, 'dist', 'server.mjs')))
  throw new Error('dist/server.mjs is missing: run the build script first');

// node-llama-cpp installs one optional package per platform and GPU flavour; the image runs this one.
const hostBuild = `@node-llama-cpp/${process.platform}-${process.arch === 'arm' ? 'armv7l' : process.arch}`;
const keepOptional = (name) => !name.startsWith('@node-llama-cpp/') || name === hostBuild;

// Node 20 runs no TypeScript: sources and declarations some packages ship are dead weight, as are source maps.
const DROP_FILES = [/\.[cm]?ts$/, /\.map$/, /\.tsbuildinfo$/];
const DROP_PATHS = new Set(['node-llama-cpp/llama/gitRelease.bundle']);

const manifest = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Node's lookup of `name` from a package directory: the nearest node_modules/name above it. */
function resolvePackage(fromDir, name) {
  for (let dir = fromDir; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  return null;
}

// The dependency closure of the externals, as real directories, with each package's resolved edges.
const packages = new Map(); // real dir → { name, deps: Map<name, real dir> }
const queue = RUNTIME_EXTERNALS.map((name) => {
  const dir = resolvePackage(verifierDir, name);
  if (dir === null) throw new Error(`${name} is not installed for apps/verifier`);
  return dir;
});
while (queue.length > 0) {
  const dir = queue.pop();
  if (packages.has(dir)) continue;
  const { name, dependencies = {}, optionalDependencies = {} } = manifest(dir);
  const deps = new Map();
  for (const dep of Object.keys(dependencies)) {
    const depDir = resolvePackage(dir, dep);
    if (depDir === null) throw new Error(`${name} needs ${dep}, which is not installed`);
    deps.set(dep, depDir);
  }
  for (const dep of Object.keys(optionalDependencies)) {
    const depDir = keepOptional(dep) ? resolvePackage(dir, dep) : null;
    if (depDir !== null) deps.set(dep, depDir);
  }
  packages.set(dir, { name, deps });
  queue.push(...deps.values());
}
if (![...packages.values()].some((p) => p.name === hostBuild))
  throw new Error(`${hostBuild} (llama.cpp for this platform) is not installed`);

const store = join(repoRoot, 'node_modules', '.pnpm');
/** Where a package of the workspace's virtual store goes under OUTPUT_DIR/node_modules/.pnpm. */
const target = (dir) => {
  const inStore = relative(store, dir);
  if (inStore.startsWith('..')) throw new Error(`${dir} is not in ${store}`);
  return join(out, 'node_modules', '.pnpm', inStore);
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(verifierDir, 'dist'), join(out, 'dist'), { recursive: true });
cpSync(join(repoRoot, 'LICENSE'), join(out, 'LICENSE'));

for (const [dir, { name, deps }] of packages) {
  const to = target(dir);
  cpSync(dir, to, {
    recursive: true,
    filter: (src) => {
      const inPackage = `${name}/${relative(dir, src).split(sep).join('/')}`;
      return !DROP_PATHS.has(inPackage) && !DROP_FILES.some((re) => re.test(src));
    },
  });
  // pnpm's layout: a package's dependencies are links beside it in the same node_modules.
  const siblings = dirname(to.slice(0, to.length - name.length));
  for (const [dep, depDir] of deps) {
    const link = join(siblings, 'node_modules', dep);
    if (link === target(depDir) || existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), target(depDir)), link);
  }
}
for (const name of RUNTIME_EXTERNALS) {
  const link = join(out, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), target(resolvePackage(verifierDir, name))), link);
}

/** Bytes under a directory, links not followed. */
function size(path) {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat || !stat.isDirectory()) return stat?.size ?? 0;
  return readdirSync(path).reduce((sum, entry) => sum + size(join(path, entry)), 0);
}
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(
  `assembled ${out}: ${mb(size(out))} (dist ${mb(size(join(out, 'dist')))}, ` +
    `node_modules ${mb(size(join(out, 'node_modules')))} in ${packages.size} packages)`,
);
