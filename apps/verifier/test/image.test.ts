import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { hello, opened } from './support/handshake.ts';
import { RawDevice } from './support/raw-device.ts';

// The verifier image's /app, assembled the way apps/verifier/Dockerfile does it
// (scripts/build.mjs, then scripts/assemble-image.mjs), then run the way the
// image runs it: plain `node dist/server.mjs`, as an unprivileged user, with
// /app, the models, HOME and TMPDIR all read-only (compose's read_only: true).

const verifierDir = fileURLToPath(new URL('../', import.meta.url));
const pair = testModelPair();
const root = mkdtempSync(join(tmpdir(), 'specsteer-image-'));
const app = join(root, 'app');
const children: ChildProcess[] = [];

/** Every path under a directory (links not followed), relative to it. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    const rel = prefix + entry;
    return lstatSync(path).isDirectory() ? [rel + '/', ...walk(path, rel + '/')] : [rel];
  });
}

function bytes(dir: string): number {
  return walk(dir)
    .filter((rel) => !rel.endsWith('/'))
    .reduce((sum, rel) => sum + lstatSync(join(dir, rel)).size, 0);
}

/** Make a tree read-only for everyone but root (as root, the server runs as nobody below). */
function readOnly(path: string) {
  for (const rel of ['', ...walk(path)]) {
    const p = join(path, rel);
    if (lstatSync(p).isSymbolicLink()) continue;
    chmodSync(p, lstatSync(p).isDirectory() ? 0o555 : 0o444);
  }
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: verifierDir, stdio: 'pipe' });
  execFileSync(process.execPath, ['scripts/assemble-image.mjs', app], {
    cwd: verifierDir,
    stdio: 'pipe',
  });
}, 120_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const rel of ['', ...walk(root)]) {
    const p = join(root, rel);
    if (!lstatSync(p).isSymbolicLink()) chmodSync(p, 0o755);
  }
  rmSync(root, { recursive: true, force: true });
});

describe('the verifier image (/app as the Dockerfile assembles it)', () => {
  it('holds compiled JavaScript and node-llama-cpp with the CPU build for this platform, under 100 MB', () => {
    const files = walk(app);
    expect(files).toContain('dist/server.mjs');
    expect(files).toContain('dist/THIRD_PARTY_LICENSES.txt');
    expect(files).toContain('LICENSE');
    expect(existsSync(join(app, 'node_modules', 'node-llama-cpp', 'package.json'))).toBe(true);
    // Nothing it does not run: no TypeScript sources or compilers, no llama.cpp source bundle, no other builds.
    expect(files.filter((f) => /\.[cm]?ts$/.test(f))).toEqual([]);
    const stored = readdirSync(join(app, 'node_modules', '.pnpm'));
    for (const tool of ['typescript@', 'esbuild@', 'tsx@', '@esbuild+', 'vitest@'])
      expect(
        stored.filter((dir) => dir.startsWith(tool)),
        tool,
      ).toEqual([]);
    const arch = process.arch === 'arm' ? 'armv7l' : process.arch;
    const builds = stored.filter((dir) => dir.startsWith('@node-llama-cpp+'));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatch(new RegExp(`^@node-llama-cpp\\+${process.platform}-${arch}@`));
    expect(files.filter((f) => f.endsWith('gitRelease.bundle'))).toEqual([]);
    expect(bytes(app)).toBeLessThan(100e6);
  });

  it.skipIf(pair === null)(
    `serves a session and drains on SIGTERM from a read-only /app, with no writable HOME or TMPDIR${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
    async () => {
      // Like compose's ./models:/models:ro mount; readable by the unprivileged user.
      mkdirSync(join(root, 'models'));
      copyFileSync(pair!.targetPath, join(root, 'models', 'large.gguf'));
      mkdirSync(join(root, 'home'));
      readOnly(root);
      chmodSync(root, 0o755);

      // As root, run as nobody (the image's `USER node`): read-only modes bind only a non-root user.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const child = spawn(process.execPath, ['dist/server.mjs'], {
        cwd: app,
        ...asNobody,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          HOME: join(root, 'home'),
          TMPDIR: join(root, 'home'),
          SPECSTEER_HOST: '127.0.0.1',
          SPECSTEER_PORT: '0',
          SPECSTEER_TARGET_MODEL_PATH: join(root, 'models', 'large.gguf'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const stdout: string[] = [];
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const base = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          stdout.push(line);
          const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
      });

      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const url = `${base.replace('http', 'ws')}/v1/ws`;
      const probe = await RawDevice.connect(url);
      const refusal = await probe.request(hello('0000000000000000'));
      const fingerprint = (refusal as unknown as { data: { server: string } }).data.server;
      const device = await RawDevice.connect(url);
      expect((await device.request(hello(fingerprint))).type).toBe('welcome');
      expect((await opened(device, 'a')).type).toBe('opened');
      expect(
        await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [5, 6, 7] }),
      ).toMatchObject({ type: 'verdict' });
      expect(device.invalid).toEqual([]);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
      expect(stdout.join('\n')).toContain('connections drained');
      // Nothing was written: not a compile cache, not a llama.cpp build, not a log.
      expect(readdirSync(join(root, 'home'))).toEqual([]);
    },
  );
});
