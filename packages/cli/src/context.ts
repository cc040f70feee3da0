import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from './config/index.js';
import { closeLogger, createLogger, type Logger } from './output/logger.js';
import type { Output } from './output.js';
import { openRuntime, type Runtime } from './runtime/runtime.js';

/** A terminal-like stream: progress goes to stderr, answers to stdout. */
export interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The flags every command takes. */
export interface GlobalFlags {
  readonly config?: string;
  readonly verbose?: boolean;
  readonly logLevel?: string;
  readonly logFile?: string;
}

/** What commands run with: where they write, the environment, and the configuration on demand. */
export interface CliContext {
  readonly output: Output;
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** What the command ends with (0 unless it says otherwise). */
  exitCode: number;
  /** Credentials seen so far, scrubbed from every error. */
  readonly secrets: string[];
  flags(): GlobalFlags;
  config(): Promise<LoadedConfig>;
  /** The runtime over the configuration, closed when the command ends. */
  runtime(options?: { ids?: readonly string[]; worker?: string }): Promise<Runtime>;
  logger(): Promise<Logger>;
  /** Registers a Ctrl-C handler; returns its removal. The second Ctrl-C exits at once. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process now, with `code` (a worker's stop that outlives its bound). */
  exit(code: number): void;
  /** Closes what the command opened. */
  close(): Promise<void>;
}

export interface ContextOptions {
  readonly program: Command;
  readonly output: Output;
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly onInterrupt: (handler: () => void) => () => void;
  readonly exit: (code: number) => void;
}

export function createContext(options: ContextOptions): CliContext {
  let loaded: Promise<LoadedConfig> | undefined;
  let logger: Promise<Logger> | undefined;
  const runtimes: Runtime[] = [];
  const secrets: string[] = [];
  const flags = () => options.program.opts<GlobalFlags>();
  const config = () => {
    const path = flags().config;
    loaded ??= loadConfig({
      cwd: options.cwd,
      env: options.env,
      ...(path === undefined ? {} : { path }),
    });
    return loaded;
  };
  return {
    output: options.output,
    stdout: options.stdout,
    stderr: options.stderr,
    cwd: options.cwd,
    env: options.env,
    exitCode: 0,
    secrets,
    flags,
    config,
    async runtime(runtimeOptions = {}) {
      const runtime = await openRuntime({
        loaded: await config(),
        env: options.env,
        ...runtimeOptions,
      });
      secrets.push(...runtime.secrets);
      runtimes.push(runtime);
      return runtime;
    },
    logger() {
      logger ??= config().then(({ config: c }) => {
        const f = flags();
        const file = f.logFile ?? c.log.file;
        // Without a log file, stderr belongs to the progress display: logs join it only on request.
        const quiet = file === undefined ? 'silent' : c.log.level;
        return createLogger({
          level: f.logLevel ?? (f.verbose === true ? 'debug' : quiet),
          secrets,
          ...(file === undefined ? { stream: options.stderr } : { file }),
        });
      });
      return logger;
    },
    onInterrupt: options.onInterrupt,
    exit: options.exit,
    async close() {
      await Promise.allSettled(runtimes.map((r) => r.close()));
      // The log file gets what is buffered before the process exits.
      // A logger that never opened (a bad log file) has nothing to close: its error is reported.
      if (logger !== undefined) await logger.then(closeLogger).catch(() => undefined);
    },
  };
}
