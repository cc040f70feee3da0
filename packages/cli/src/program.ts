import { DsyncError } from '@dsync/datasource';
import { Command, CommanderError } from 'commander';
import { registerSourcesCommand } from './commands/sources.js';
import { EXIT_CODES, EXIT_CODES_HELP } from './exit-codes.js';
import { createOutput, type Output } from './output.js';
import { VERSION } from './version.js';

export interface RunOptions {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** The `dsync` command tree, writing through `output`; commander errors are thrown, not exited. */
export function createProgram(output: Output): Command {
  const program = new Command('dsync')
    .description(
      'Keep local copies of financial data sets complete and current, within each API’s limits.',
    )
    .version(VERSION, '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.line(s.trimEnd()),
      writeErr: (s) => output.error(s.trimEnd()),
    });
  registerSourcesCommand(program, output);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs `dsync` with `argv` (as `process.argv`) and resolves to its exit code. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const output = createOutput(
    options.stdout ?? ((s) => process.stdout.write(s)),
    options.stderr ?? ((s) => process.stderr.write(s)),
  );
  try {
    await createProgram(output).parseAsync([...argv]);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof DsyncError) {
      output.error(`dsync: ${error.message}`);
      return error.code === 'E_UNKNOWN_SOURCE' ? EXIT_CODES.usage : EXIT_CODES.failure;
    }
    output.error(
      `dsync: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return EXIT_CODES.failure;
  }
}
