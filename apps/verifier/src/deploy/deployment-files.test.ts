// The deployment files are code: docker-compose.yml must be valid for
// Debian's docker-compose 1.29 and carry the settings docs/deploy.md explains,
// and the verifier image must be multi-stage, non-root and complete.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, environmentVariable } from '../config/environment.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const composePath = `${repoRoot}docker-compose.yml`;
const dockerfilePath = `${repoRoot}apps/verifier/Dockerfile`;

type Service = {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: {
    resources: { reservations: { devices: { driver: string; capabilities: string[] }[] } };
  };
  profiles?: string[];
  volumes?: string[];
  build?: { context: string; dockerfile: string };
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
};

const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const vllmServices = ['vllm-target'].map((name) => [name, services[name]!] as const);

/** `--flag=value` from a command list; the value is still a ${VAR:-default} expression here. */
function flag(service: Service, name: string): string | undefined {
  const arg = service.command?.find((a) => a === name || a.startsWith(`${name}=`));
  return arg === undefined ? undefined : arg.slice(name.length + 1);
}

/** The default of a `${VAR:-default}` expression (or the literal). */
function defaultOf(value: string | undefined): string | undefined {
  const match = value?.match(/^\$\{[A-Z_]+:-(.*)\}$/);
  return match ? match[1] : value;
}

const DOCKER_COMPOSE = '/usr/bin/docker-compose';
// CI installs Debian's docker-compose (.ci/run); elsewhere the check runs where it is installed.
const haveCompose = existsSync(DOCKER_COMPOSE) || process.env.CI === 'true';

describe('docker-compose.yml', () => {
  it.skipIf(!haveCompose)(
    'is valid for docker-compose 1.29, with and without the embedded profile',
    () => {
      const run = (args: string[]) =>
        execFileSync(DOCKER_COMPOSE, ['-f', composePath, ...args], {
          cwd: repoRoot,
          env: { PATH: process.env.PATH ?? '', VLLM_API_KEY: 'compose-test-key-0123456789' },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      expect(() => run(['config', '-q'])).not.toThrow();
      expect(() => run(['--profile', 'embedded', 'config', '-q'])).not.toThrow();
      // Interpolated, the defaults land where they should.
      const resolved = parse(run(['config'])) as { services: Record<string, Service> };
      expect(resolved.services['vllm-target']!.command).toContain('--max-logprobs=20');
      expect(resolved.services.verifier!.environment!.SPECSTEER_VLLM_TARGET_API_KEY).toBe(
        'compose-test-key-0123456789',
      );
    },
  );

  it('runs one vLLM server, the target (devices compute s), on a pinned image with the flags scoring needs', () => {
    expect(Object.keys(services).filter((name) => name.startsWith('vllm'))).toEqual([
      'vllm-target',
    ]);
    const images = new Set(vllmServices.map(([, s]) => s.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^vllm\/vllm-openai:v\d+\.\d+\.\d+$/);
    for (const [, service] of vllmServices) {
      expect(service.entrypoint).toEqual(['vllm', 'serve']);
      expect(Number(defaultOf(flag(service, '--max-logprobs')))).toBeGreaterThanOrEqual(1);
      expect(service.command).toContain('--no-enable-prefix-caching');
      expect(service.command).toContain('--return-tokens-as-token-ids');
      expect(service.volumes).toContain('hf-cache:/root/.cache/huggingface');
    }
    expect(defaultOf(services['vllm-target']!.command![0])).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('gives the vLLM server a GPU and a memory fraction below 0.9', () => {
    const fractions = vllmServices.map(([, s]) =>
      Number(defaultOf(flag(s, '--gpu-memory-utilization'))),
    );
    for (const f of fractions) expect(f).toBeGreaterThan(0);
    for (const f of fractions) expect(f).toBeLessThan(0.9);
    for (const [, service] of vllmServices) {
      const [device] = service.deploy!.resources.reservations.devices;
      expect(device).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    }
  });

  it('health-checks vLLM on /health and starts the verifier after it is healthy', () => {
    for (const [, service] of vllmServices)
      expect(service.healthcheck!.test.join(' ')).toContain('/health');
    expect(services.verifier!.depends_on).toEqual({
      'vllm-target': { condition: 'service_healthy' },
    });
  });

  it('points the verifier at the vLLM service with the same model, top-K cap and key', () => {
    const env = services.verifier!.environment!;
    expect(env.SPECSTEER_BACKEND).toBe('vllm');
    expect(env.SPECSTEER_VLLM_TARGET_URL).toBe('http://vllm-target:8000');
    expect(env.SPECSTEER_VLLM_TARGET_MODEL).toBe(services['vllm-target']!.command![0]);
    expect(env.SPECSTEER_VLLM_MAX_LOGPROBS).toBe(flag(services['vllm-target']!, '--max-logprobs'));
    expect(env.SPECSTEER_VLLM_TARGET_API_KEY).toBe(
      services['vllm-target']!.environment!.VLLM_API_KEY,
    );
    expect(services.verifier!.build).toEqual({
      context: '.',
      dockerfile: 'apps/verifier/Dockerfile',
    });
  });

  it('offers the embedded backend as a profile with the models/ target and no GPU', () => {
    const embedded = services['verifier-embedded']!;
    expect(embedded.profiles).toEqual(['embedded']);
    expect(embedded.deploy).toBeUndefined();
    expect(embedded.depends_on).toBeUndefined();
    expect(embedded.environment!.SPECSTEER_BACKEND).toBe('llamacpp');
    expect(embedded.volumes).toContain('${SPECSTEER_MODELS_DIR:-./models}:/models:ro');
    expect(defaultOf(embedded.environment!.SPECSTEER_TARGET_MODEL_PATH)).toBe(
      '/models/specsteer-large.gguf',
    );
  });
  // That every variable the verifier services set is one the server reads, and
  // passes its validation, is test/compose-config.test.ts's claim.
});

describe('verifier settings from .env', () => {
  const verifiers = Object.entries(services).filter(
    ([, service]) => service.environment?.SPECSTEER_BACKEND !== undefined,
  );
  /** `${NAME…}` references in the compose file: what .env can set. */
  const composeVariables = new Set(
    [...readFileSync(composePath, 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!),
  );
  const exampleVariables = new Set(
    [...readFileSync(`${repoRoot}.env.example`, 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map(
      (m) => m[1]!,
    ),
  );

  it('runs both verifier services from a read-only root filesystem, without capabilities', () => {
    expect(verifiers.map(([name]) => name).sort()).toEqual(['verifier', 'verifier-embedded']);
    for (const [, service] of verifiers) {
      expect(service.read_only).toBe(true);
      // The server writes nothing, so there is no writable tmpfs either (test/image.test.ts runs it so).
      expect(service.tmpfs).toBeUndefined();
      expect(service.cap_drop).toEqual(['ALL']);
    }
  });

  it.each(verifiers)('%s takes every setting of its backend from the environment', (_, service) => {
    const env = service.environment!;
    const backend = env.SPECSTEER_BACKEND;
    // Where the compose file itself decides: the address inside the container, the backend, the vLLM services.
    const fixed = new Set(['SPECSTEER_HOST', 'SPECSTEER_PORT', 'SPECSTEER_BACKEND']);
    for (const key of CONFIG_KEYS) {
      if (key.startsWith('vllm') && backend !== 'vllm') continue;
      if ((key.startsWith('llamacpp') || key.endsWith('ModelPath')) && backend !== 'llamacpp')
        continue;
      const variable = environmentVariable(key);
      expect(env, `${variable} is not passed to the container`).toHaveProperty(variable);
      if (fixed.has(variable) || /^SPECSTEER_VLLM_[A-Z]+_URL$/.test(variable)) continue;
      expect(String(env[variable]), variable).toMatch(/^\$\{[A-Z0-9_]+:-[^}]*\}$/);
    }
  });

  it('.env.example lists exactly the variables the compose file reads, and docs/deploy.md explains each', () => {
    expect([...exampleVariables].sort()).toEqual([...composeVariables].sort());
    const guide = readFileSync(`${repoRoot}docs/deploy.md`, 'utf8');
    for (const name of composeVariables) expect(guide, name).toContain(`\`${name}\``);
  });

  it.skipIf(!haveCompose)('reads every one of them from a .env file', () => {
    const typed: Record<string, string> = {
      SPECSTEER_PUBLISH_PORT: '9001',
      SPECSTEER_EMBEDDED_PUBLISH_PORT: '9002',
      SPECSTEER_STOP_GRACE_PERIOD: '45s',
      SPECSTEER_MODELS_DIR: '/srv/specsteer-models',
    };
    const value = (name: string) => typed[name] ?? `from-env-file-${name.toLowerCase()}`;
    const dir = mkdtempSync(join(tmpdir(), 'specsteer-env-'));
    try {
      const envFile = join(dir, '.env');
      writeFileSync(envFile, [...composeVariables].map((n) => `${n}=${value(n)}\n`).join(''));
      const resolved = execFileSync(
        DOCKER_COMPOSE,
        ['-f', composePath, '--env-file', envFile, '--profile', 'embedded', 'config'],
        { cwd: repoRoot, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
      );
      for (const name of composeVariables) expect(resolved, name).toContain(value(name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('apps/verifier/Dockerfile', () => {
  const dockerfile = readFileSync(dockerfilePath, 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = instructions.filter((line) => line.startsWith('FROM '));
  const lastStage = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

  it('builds in one stage and runs from another, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const user = lastStage.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user!.slice(5).trim()).not.toMatch(/^(root|0)(:|$)/);
  });

  it('compiles the server at build time and runs the JavaScript with plain node, health-checked on /healthz', () => {
    expect(
      instructions.some((line) =>
        /^RUN pnpm --filter @specsteer\/verifier run build\s+&& node apps\/verifier\/scripts\/assemble-image\.mjs \/app$/.test(
          line,
        ),
      ),
    ).toBe(true);
    expect(lastStage.find((line) => line.startsWith('CMD '))).toBe(
      'CMD ["node", "dist/server.mjs"]',
    );
    // The runtime stage takes /app from the build stage and nothing else: no TypeScript loader, no compiler.
    expect(lastStage.filter((line) => line.startsWith('COPY '))).toEqual([
      'COPY --from=build /app /app',
    ]);
    expect(lastStage.filter((line) => /\btsx\b|typescript|esbuild/.test(line))).toEqual([]);
    expect(
      lastStage.some((line) => line.startsWith('HEALTHCHECK') && line.includes('/healthz')),
    ).toBe(true);
  });

  it('copies every workspace package the verifier depends on, and only paths that exist', () => {
    const manifest = JSON.parse(readFileSync(`${repoRoot}apps/verifier/package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const workspaceDeps = Object.entries(manifest.dependencies)
      .filter(([, version]) => version.startsWith('workspace:'))
      .map(([name]) => name.replace('@specsteer/', 'packages/'));
    const copied = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const dir of workspaceDeps) expect(copied).toContain(`${dir}/src`);
    expect(copied).toContain('apps/verifier/scripts');
    for (const path of copied) expect(existsSync(`${repoRoot}${path}`), path).toBe(true);
  });
});
