import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownVariables } from '../src/config/index.ts';

const anyFileExists = () => true;

function configError(env: Record<string, string>, files: Record<string, string> = {}): ConfigError {
  try {
    loadConfig({ env, fileExists: anyFileExists, readFile: (path) => files[path] ?? '' });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this configuration');
}

describe('configuration', () => {
  it('defaults to the embedded llama.cpp backend on the repository model pair', () => {
    const config = loadConfig({ env: {}, fileExists: anyFileExists });
    expect(config.backend).toBe('llamacpp');
    expect(config.targetModelPath).toMatch(/models\/specsteer-large\.gguf$/);
    expect(config.apiKeys).toEqual([]);
  });

  it('reads numbers and comma lists from the environment', () => {
    const config = loadConfig({
      env: {
        SPECSTEER_PORT: '9000',
        SPECSTEER_API_KEYS: 'alpha-key-0123456789, beta-key-0123456789',
        SPECSTEER_ALLOWED_ORIGINS: 'https://app.example',
        SPECSTEER_MAX_FRAME_BYTES: '4096',
        SPECSTEER_TRUST_PROXY: 'true',
      },
      fileExists: anyFileExists,
    });
    expect(config.port).toBe(9000);
    expect(config.apiKeys.map((entry) => entry.key)).toEqual([
      'alpha-key-0123456789',
      'beta-key-0123456789',
    ]);
    expect(config.allowedOrigins).toEqual(['https://app.example']);
    expect(config.maxFrameBytes).toBe(4096);
    expect(config.trustProxy).toBe(true);
  });

  it('lets the environment override the JSON file, which may give per-key rate limits', () => {
    const file = JSON.stringify({
      port: 7000,
      idleTimeoutMs: 5000,
      apiKeys: [{ key: 'file-key-0123456789ab', name: 'lab', roundsPerSecond: 2, burst: 4 }],
    });
    const config = loadConfig({
      env: { SPECSTEER_CONFIG: '/etc/specsteer.json', SPECSTEER_PORT: '7001' },
      readFile: () => file,
      fileExists: anyFileExists,
    });
    expect(config.port).toBe(7001);
    expect(config.idleTimeoutMs).toBe(5000);
    expect(config.apiKeys).toEqual([
      { key: 'file-key-0123456789ab', name: 'lab', roundsPerSecond: 2, burst: 4 },
    ]);
  });

  it('treats an empty variable as unset, as compose files pass ${X:-} for omitted values', () => {
    const config = loadConfig({
      env: {
        SPECSTEER_PORT: '',
        SPECSTEER_VLLM_TARGET_API_KEY: ' ',
        SPECSTEER_API_KEYS: '',
        SPECSTEER_LOG_LEVEL: '',
      },
      fileExists: anyFileExists,
    });
    expect(config.port).toBe(8787);
    expect(config.vllmTargetApiKey).toBeUndefined();
    expect(config.apiKeys).toEqual([]);
    expect(config.logLevel).toBe('info');
  });

  it.each([
    [{ SPECSTEER_PORT: 'eighty' }, 'SPECSTEER_PORT'],
    [{ SPECSTEER_PORT: '70000' }, 'SPECSTEER_PORT'],
    [{ SPECSTEER_BACKEND: 'tensorrt' }, 'SPECSTEER_BACKEND'],
    [{ SPECSTEER_MAX_DRAFT_TOKENS: '0' }, 'SPECSTEER_MAX_DRAFT_TOKENS'],
    [{ SPECSTEER_IDLE_TIMEOUT_MS: '1.5' }, 'SPECSTEER_IDLE_TIMEOUT_MS'],
    [{ SPECSTEER_ROUNDS_PER_SECOND: '-1' }, 'SPECSTEER_ROUNDS_PER_SECOND'],
    [{ SPECSTEER_API_KEYS: 'short' }, 'SPECSTEER_API_KEYS'],
    [{ SPECSTEER_API_KEYS: 'same-key-0123456789,same-key-0123456789' }, 'SPECSTEER_API_KEYS'],
    [{ SPECSTEER_ALLOWED_ORIGINS: 'not a url' }, 'SPECSTEER_ALLOWED_ORIGINS'],
    [{ SPECSTEER_MAX_FRAME_BYTES: '100' }, 'SPECSTEER_MAX_FRAME_BYTES'],
    [{ SPECSTEER_TRUST_PROXY: 'maybe' }, 'SPECSTEER_TRUST_PROXY'],
    [{ SPECSTEER_MAX_DRAFT_TOKENS: '65' }, 'SPECSTEER_MAX_DRAFT_TOKENS'],
    [{ SPECSTEER_MAX_TOP_K: '1000' }, 'SPECSTEER_MAX_TOP_K'],
    [{ SPECSTEER_BACKEND: 'vllm' }, 'SPECSTEER_VLLM_TARGET_URL'],
    [
      { SPECSTEER_BACKEND: 'vllm', SPECSTEER_VLLM_TARGET_URL: 'ftp://t' },
      'SPECSTEER_VLLM_TARGET_URL',
    ],
  ])('refuses %j naming %s', (env, variable) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('names the model path variable when the GGUF file is missing', () => {
    let caught: unknown;
    try {
      loadConfig({
        env: { SPECSTEER_TARGET_MODEL_PATH: '/nowhere/large.gguf' },
        fileExists: () => false,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe('SPECSTEER_TARGET_MODEL_PATH');
    expect((caught as ConfigError).message).toContain('/nowhere/large.gguf');
  });

  it('names the file key and the variable for a bad value in the JSON file', () => {
    const error = configError(
      { SPECSTEER_CONFIG: 'c.json' },
      { 'c.json': '{"maxFrameBytes": "big"}' },
    );
    expect(error.variable).toBe('SPECSTEER_MAX_FRAME_BYTES');
    expect(error.message).toContain('"maxFrameBytes" in c.json');
  });

  it('refuses unknown keys and broken JSON in the file', () => {
    expect(
      configError({ SPECSTEER_CONFIG: 'c.json' }, { 'c.json': '{"prot": 1}' }).message,
    ).toContain('prot');
    expect(configError({ SPECSTEER_CONFIG: 'c.json' }, { 'c.json': '{"port": ' }).variable).toBe(
      'SPECSTEER_CONFIG',
    );
  });

  it('finds SPECSTEER_ variables the verifier does not read, suggesting the nearest one', () => {
    expect(
      unknownVariables({
        SPECSTEER_MAX_DRAFT_TOKEN: '3',
        SPECSTEER_PORT: '8787',
        SPECSTEER_MODELS_DIR: './models', // compose's, not a typo
        SPECSTEER_IDLE_TIMOUT_MS: '5',
        SPECSTEER_SOMETHING_ELSE_ENTIRELY: '1',
        HOME: '/root',
      }),
    ).toEqual([
      { variable: 'SPECSTEER_IDLE_TIMOUT_MS', suggestion: 'SPECSTEER_IDLE_TIMEOUT_MS' },
      { variable: 'SPECSTEER_MAX_DRAFT_TOKEN', suggestion: 'SPECSTEER_MAX_DRAFT_TOKENS' },
      { variable: 'SPECSTEER_SOMETHING_ELSE_ENTIRELY' },
    ]);
  });
});
