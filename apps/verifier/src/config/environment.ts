import type { ConfigKey } from './schema.ts';

// How each configuration key is spelled in the environment and how its string
// value is read. Values are only parsed here; the schema decides what is valid.

type ValueKind = 'string' | 'number' | 'boolean' | 'list';

const KINDS: Record<ConfigKey, ValueKind> = {
  host: 'string',
  port: 'number',
  trustProxy: 'boolean',
  logLevel: 'string',
  backend: 'string',
  targetModelPath: 'string',
  llamacppContextSize: 'number',
  llamacppSequencesPerContext: 'number',
  llamacppMaxContexts: 'number',
  vllmTargetUrl: 'string',
  vllmTargetApiKey: 'string',
  vllmTimeoutMs: 'number',
  vllmTargetModel: 'string',
  vllmMaxLogprobs: 'number',
  vllmVocabSize: 'number',
  apiKeys: 'list',
  allowedOrigins: 'list',
  roundsPerSecond: 'number',
  rateLimitBurst: 'number',
  opensPerSecond: 'number',
  openBurst: 'number',
  frameBytesPerSecond: 'number',
  maxFrameBytes: 'number',
  maxDraftTokens: 'number',
  maxPromptTokens: 'number',
  maxTopK: 'number',
  maxTokens: 'number',
  maxSessionsPerConnection: 'number',
  maxConnections: 'number',
  helloTimeoutMs: 'number',
  maxUnauthenticatedPerAddress: 'number',
  idleTimeoutMs: 'number',
  shutdownGraceMs: 'number',
};

export const CONFIG_KEYS = Object.keys(KINDS) as ConfigKey[];

/** Keys whose empty value is meaningful (an empty list), unlike the others where empty means unset. */
export const LIST_KEYS: ReadonlySet<ConfigKey> = new Set(
  CONFIG_KEYS.filter((key) => KINDS[key] === 'list'),
);

/** `maxFrameBytes` → `SPECSTEER_MAX_FRAME_BYTES`. */
export function environmentVariable(key: string): string {
  return 'SPECSTEER_' + key.replace(/[A-Z]/g, (letter) => '_' + letter).toUpperCase();
}

/** The variable naming the optional JSON configuration file. */
export const CONFIG_FILE_VARIABLE = 'SPECSTEER_CONFIG';

/**
 * Read one environment value. Numbers that do not parse are passed through as
 * the original string so that the schema reports them ("expected number, received string").
 * Lists are comma-separated; blanks are dropped, so an empty variable is an empty list.
 */
export function parseEnvironmentValue(key: ConfigKey, raw: string): unknown {
  switch (KINDS[key]) {
    case 'number': {
      const trimmed = raw.trim();
      const value = Number(trimmed);
      return trimmed !== '' && Number.isFinite(value) ? value : raw;
    }
    case 'boolean': {
      const word = raw.trim().toLowerCase();
      return word === 'true' || word === '1'
        ? true
        : word === 'false' || word === '0'
          ? false
          : raw;
    }
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'string':
      return raw.trim();
  }
}
