import { Command, Option } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerInitCommand } from './commands/init.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSourcesCommand } from './commands/sources.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerWorkerCommand } from './commands/worker.js';
import { createContext, type CliContext, type Stream } from './context.js';
import { describeFailure, exitCodeOf } from './errors.js';
import { EXIT_CODES, EXIT_CODES_HELP } from './exit-codes.js';
import { createOutput } from './output.js';
import { VERSION } from './version.js';

export interface RunOptions {
  readonly stdout?: Stream;
  readonly stderr?: Stream;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Where Ctrl-C comes from: subscribes a handler, returns the unsubscribe.
   * @default SIGINT and SIGTERM of this process
   */
  readonly onInterrupt?: (handler: () => void) => () => void;
  /**
   * Ends the process now, for a command that must end within a bound even when something
   * hangs (a worker's stop). @default process.exit
   */
  readonly exit?: (code: number) => void;
}

/** Ctrl-C: the first runs the command's handler (checkpoint and stop), the second exits at once. */
function processInterrupts(handler: () => void): () => void {
  let pressed = 0;
  const listener = () => {
    pressed++;
    if (pressed > 1) process.exit(EXIT_CODES.interrupted);
    handler();
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** The `dsync` command tree; commander errors are thrown, not exited. */
export function createProgram(context: (program: Command) => CliContext): Command {
  const program = new Command('dsync')
    .description(
      'Keep local copies of financial data sets complete and current, within each API’s limits.',
    )
    .version(VERSION, '-V, --version')
    .option(
      '-c, --config <file>',
      'the config file (default: dsync.config.yaml, .yml or .json here)',
    )
    .option('-v, --verbose', 'debug logs, and stack traces on errors')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .option('--log-file <file>', 'write logs (JSON lines) to this file instead of stderr')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const ctx = context(program);
  program.configureOutput({
    writeOut: (s) => ctx.output.line(s.trimEnd()),
    writeErr: (s) => ctx.output.error(s.trimEnd()),
  });
  registerSourcesCommand(program, ctx);
  registerInitCommand(program, ctx);
  registerSyncCommands(program, ctx);
  registerLedgerCommands(program, ctx);
  registerAuditCommand(program, ctx);
  registerMigrateCommand(program, ctx);
  registerWorkerCommand(program, ctx);
  registerDaemonCommand(program, ctx);
  registerSandboxCommand(program, ctx);
  registerDemoCommand(program, ctx);
  registerServeCommand(program, ctx);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs `dsync` with `argv` (as `process.argv`) and resolves to its exit code. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const output = createOutput(
    (s) => stdout.write(s),
    (s) => stderr.write(s),
  );
  let context: CliContext | undefined;
  const program = createProgram((p) => {
    context = createContext({
      program: p,
      output,
      stdout,
      stderr,
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? process.env,
      onInterrupt: options.onInterrupt ?? processInterrupts,
      exit: options.exit ?? ((code) => process.exit(code)),
    });
    return context;
  });
  const ctx = context as unknown as CliContext;
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (error) {
    const code = exitCodeOf(error);
    // Commander has printed its own message (and --help, --version end here with 0).
    if (!(error instanceof Error && error.name === 'CommanderError'))
      output.error(
        describeFailure(error, { verbose: program.opts().verbose === true, secrets: ctx.secrets }),
      );
    return code;
  } finally {
    await ctx.close();
  }
}
