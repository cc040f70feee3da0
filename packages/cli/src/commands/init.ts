import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { starterConfig } from '../config/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';

/** `dsync init`: a commented starter configuration, never over an existing one unless asked. */
export function registerInitCommand(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('write a commented starter dsync.config.yaml in the working directory')
    .option('--force', 'overwrite an existing file')
    .action((flags: { force?: boolean }) => {
      const path = resolve(context.cwd, context.flags().config ?? 'dsync.config.yaml');
      if (existsSync(path) && flags.force !== true)
        throw new UsageError(`${path} exists; pass --force to overwrite it.`);
      writeFileSync(path, starterConfig());
      context.output.line(`Wrote ${path}.`);
      context.output.line(
        'Next: export TUSHARE_TOKEN=<your token>, then run: dsync plan, dsync sync',
      );
    });
}
