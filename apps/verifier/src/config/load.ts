import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LimitsSchema, type Limits } from '@specsteer/protocol';
import { z } from 'zod';
import {
  CONFIG_FILE_VARIABLE,
  CONFIG_KEYS,
  LIST_KEYS,
  environmentVariable,
  parseEnvironmentValue,
} from './environment.ts';
import { ConfigSchema, type ApiKey, type Config, type ConfigKey } from './schema.ts';

/** A configuration value the server cannot start with; `variable` names the environment variable to fix. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The target model of the shipped pair, where the repository keeps it. */
export const DEFAULT_MODEL_PATHS = {
  target: fileURLToPath(new URL('../../../../models/specsteer-large.gguf', import.meta.url)),
};

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  readFile?: (path: string) => string;
  fileExists?: (path: string) => boolean;
}

/**
 * Build the configuration from an optional JSON file (`SPECSTEER_CONFIG`) with
 * environment variables taking precedence, and validate it. Throws a
 * `ConfigError` naming the first bad variable.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const fileExists = options.fileExists ?? existsSync;

  const input: Record<string, unknown> = {};
  const sources = new Map<string, 'file' | 'env'>();
  const configFile = env[CONFIG_FILE_VARIABLE];
  if (configFile !== undefined && configFile.trim() !== '') {
    Object.assign(input, readConfigFile(configFile.trim(), readFile));
    for (const key of Object.keys(input)) sources.set(key, 'file');
  }
  for (const key of CONFIG_KEYS) {
    const raw = env[environmentVariable(key)];
    // An empty variable is an unset one: compose files pass `${X:-}` for values the operator may omit.
    if (raw === undefined || (raw.trim() === '' && !LIST_KEYS.has(key))) continue;
    input[key] = parseEnvironmentValue(key, raw);
    sources.set(key, 'env');
  }

  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const where =
      sources.get(key) === 'file' ? ` (key "${issue.path.join('.')}" in ${configFile})` : '';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown configuration key(s) ${issue.keys.join(', ')} in ${configFile}`
        : `${environmentVariable(key)}${where}: ${issue.message}`;
    throw new ConfigError(
      issue.code === 'unrecognized_keys' ? CONFIG_FILE_VARIABLE : environmentVariable(key),
      message,
    );
  }

  const config: Config = { ...parsed.data, apiKeys: normalizeApiKeys(parsed.data.apiKeys) };
  limitsOf(config); // refuses limits beyond the protocol's hard caps
  checkBackendFields(config, fileExists);
  return config;
}

/** The limits this server announces in welcome and enforces. */
export function limitsOf(config: Config): Limits {
  const limits = {
    maxDraftTokens: config.maxDraftTokens,
    maxPromptTokens: config.maxPromptTokens,
    maxTopK: config.maxTopK,
    maxSessionsPerConnection: config.maxSessionsPerConnection,
    maxFrameBytes: config.maxFrameBytes,
    idleTimeoutMs: config.idleTimeoutMs,
    maxTokens: config.maxTokens,
  };
  const checked = LimitsSchema.safeParse(limits);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const variable = environmentVariable(String(issue.path[0]));
    throw new ConfigError(variable, `${variable}: ${issue.message} (a protocol limit)`);
  }
  return checked.data;
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConfigError(
      CONFIG_FILE_VARIABLE,
      `${CONFIG_FILE_VARIABLE}: cannot read ${path}: ${(error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      CONFIG_FILE_VARIABLE,
      `${CONFIG_FILE_VARIABLE}: ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      CONFIG_FILE_VARIABLE,
      `${CONFIG_FILE_VARIABLE}: ${path} must hold one JSON object`,
    );
  }
  return value as Record<string, unknown>;
}

function normalizeApiKeys(keys: (string | ApiKey)[]): ApiKey[] {
  const normalized = keys.map((entry) => (typeof entry === 'string' ? { key: entry } : entry));
  for (const [index, entry] of normalized.entries()) {
    // Checked here too because the env form skips the object schema.
    const problem = z.string().min(16).safeParse(entry.key);
    if (!problem.success) {
      throw new ConfigError(
        environmentVariable('apiKeys'),
        `${environmentVariable('apiKeys')}: key #${index + 1} is shorter than 16 characters`,
      );
    }
  }
  if (new Set(normalized.map((entry) => entry.key)).size !== normalized.length) {
    throw new ConfigError(
      environmentVariable('apiKeys'),
      `${environmentVariable('apiKeys')}: the same key is listed twice`,
    );
  }
  return normalized;
}

function checkBackendFields(config: Config, fileExists: (path: string) => boolean): void {
  const require = (key: ConfigKey, why: string) => {
    if (config[key] === undefined) {
      throw new ConfigError(
        environmentVariable(key),
        `${environmentVariable(key)} is required ${why}`,
      );
    }
  };
  if (config.backend === 'vllm') {
    require('vllmTargetUrl', 'when SPECSTEER_BACKEND=vllm');
    return;
  }
  config.targetModelPath ??= DEFAULT_MODEL_PATHS.target;
  const path = config.targetModelPath;
  if (!fileExists(path)) {
    throw new ConfigError(
      environmentVariable('targetModelPath'),
      `${environmentVariable('targetModelPath')}: no GGUF file at ${path} (set it to the large (target) model)`,
    );
  }
}
