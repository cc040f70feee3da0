/** The configuration of the `dsync` command: its file, its schema and what it turns into. */
export {
  ConfigError,
  configSchema,
  LOG_LEVELS,
  TUSHARE_TIERS,
  type ConfigIssue,
  type DsyncConfig,
  type DsyncConfigInput,
  type NdlAccount,
  type QueueConfig,
  type StorageConfig,
  type TushareAccount,
  type TushareTier,
} from './schema.js';
export {
  CONFIG_FILE_NAMES,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { accountLimits } from './limits.js';
export { starterConfig } from './starter.js';
export { configJsonSchema, REGENERATE_SCHEMA_COMMAND } from './json-schema.js';
