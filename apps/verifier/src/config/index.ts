export {
  loadConfig,
  limitsOf,
  ConfigError,
  DEFAULT_MODEL_PATHS,
  type LoadConfigOptions,
} from './load.ts';
export { environmentVariable, CONFIG_FILE_VARIABLE } from './environment.ts';
export { ConfigSchema, type Config, type ApiKey } from './schema.ts';
export {
  unknownVariables,
  describeUnknownVariable,
  type UnknownVariable,
} from './unknown-variables.ts';
