import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, environmentVariable } from '../src/config/environment.ts';
import { loadConfig } from '../src/config/index.ts';

// The verifier services of the repository's docker-compose.yml must start
// with this configuration code: every variable they set is one the server
// knows, and every value (with the compose defaults filled in) is valid.

const composePath = fileURLToPath(new URL('../../../docker-compose.yml', import.meta.url));

/** `${NAME:-default}` → default, `${NAME}` → '' (what compose does with an unset variable). */
function withComposeDefaults(value: unknown): string {
  return String(value).replace(
    /\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g,
    (_, fallback: string | undefined) => fallback ?? '',
  );
}

describe('docker-compose.yml verifier environments', () => {
  const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown> }>;
  };
  const verifierServices = Object.entries(compose.services).filter(([, service]) =>
    Object.keys(service.environment ?? {}).some((name) => name === 'SPECSTEER_BACKEND'),
  );

  it('has at least the vLLM and the embedded verifier', () => {
    expect(
      verifierServices.map(([, service]) => service.environment!.SPECSTEER_BACKEND).sort(),
    ).toEqual(['llamacpp', 'vllm']);
  });

  it.each(verifierServices.map(([name, service]) => [name, service] as const))(
    '%s passes configuration validation',
    (_name, service) => {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([name, value]) => [
          name,
          withComposeDefaults(value),
        ]),
      );
      const known = new Set(Object.keys(env).filter((name) => name.startsWith('SPECSTEER_')));
      const config = loadConfig({ env, fileExists: () => true });
      expect(config.host).toBe('0.0.0.0');
      // Nothing the compose file sets is ignored: each SPECSTEER_ variable maps to a configuration key.
      const variables = new Set(CONFIG_KEYS.map(environmentVariable));
      for (const name of known)
        expect(variables.has(name), `${name} is not a configuration variable`).toBe(true);
    },
  );
});
