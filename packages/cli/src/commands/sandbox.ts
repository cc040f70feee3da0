import { runSandboxCli } from '@dsync/sandbox';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `dsync sandbox`: the local replicas of Tushare and NDL (the `dsync-sandbox` bin, here too). */
export function registerSandboxCommand(program: Command, context: CliContext): void {
  program
    .command('sandbox')
    .description('start local replicas of Tushare and Nasdaq Data Link (see dsync sandbox --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_flags: unknown, command: Command) => {
      context.exitCode = await runSandboxCli(['node', 'dsync sandbox', ...command.args]);
    });
}
