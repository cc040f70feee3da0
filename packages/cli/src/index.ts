/**
 * @dsync/cli: the `dsync` command, importable for embedding and tests. The command itself is
 * the `dsync` bin; `run(argv)` is the same command in-process, resolving to its exit code.
 */
export { createProgram, run, type RunOptions } from './program.js';
export { EXIT_CODES } from './exit-codes.js';
export { createOutput, type Output } from './output.js';
export {
  configJsonSchema,
  configSchema,
  ConfigError,
  loadConfig,
  starterConfig,
  type DsyncConfig,
  type LoadedConfig,
} from './config/index.js';
export { openRuntime, type Runtime, type RuntimeOptions } from './runtime/runtime.js';
