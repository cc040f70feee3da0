/**
 * @dsync/cli: the `dsync` command. Importable for embedding and tests; the command itself
 * is the `dsync` bin.
 *
 * Built so far: `dsync sources list|show` over the built-in catalog, help and exit codes.
 * Configuration and the sync, plan, status, audit, worker, daemon, sandbox and serve
 * commands come with their own issue.
 */
export { createProgram, run, type RunOptions } from './program.js';
export { EXIT_CODES } from './exit-codes.js';
export { createOutput, type Output } from './output.js';
