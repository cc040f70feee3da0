import { openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DsyncError } from '@dsync/datasource';
import { makeDirectorySync, redactText } from '@dsync/datasource';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * The CLI's log: JSON lines (pino) to a file or a stream. Credentials never reach it, by two
 * independent nets: pino's `redact` blanks fields named like a credential, and every line is
 * scrubbed, as written, of the secrets the CLI knows and of passwords and tokens in URLs, so a
 * credential inside a message, an error or an unexpected field is hidden too.
 */

export type Logger = PinoLogger;

export interface LoggerStream {
  write(s: string): unknown;
}

export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: string;
  /** A file to append JSON lines to (its directory is created). Wins over `stream`. */
  readonly file?: string;
  /**
   * Credentials to hide wherever they appear. Read at each line, not copied: secrets the
   * caller learns after creating the logger (a runtime opened later) are hidden too.
   */
  readonly secrets?: readonly string[];
  /** @default process.stderr */
  readonly stream?: LoggerStream;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const CREDENTIAL_KEYS = [
  'token',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'authorization',
  'cookie',
];
/** Fields blanked by pino, at the top level and one level down (`{ source: { token } }`). */
const REDACT_PATHS = [
  ...CREDENTIAL_KEYS,
  ...CREDENTIAL_KEYS.map((key) => `*.${key}`),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

export const REDACTED = '***';

/** Every string in a parsed JSON value, keys too, through `redactText`. */
function redactValues(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, ...secrets);
  if (Array.isArray(value)) return value.map((item) => redactValues(item, secrets));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactText(k, ...secrets), redactValues(v, secrets)]),
    );
  return value;
}

/**
 * A log line with the given secrets and URL credentials hidden. Redacted value by value, not
 * as text: a match can then never cut the line's JSON apart, and a secret is found however
 * JSON escapes it.
 */
export function redactLine(line: string, secrets: readonly string[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return redactText(line, ...secrets);
  }
  return `${JSON.stringify(redactValues(parsed, secrets))}${line.endsWith('\n') ? '\n' : ''}`;
}

interface FileDestination {
  readonly destination: ReturnType<typeof pino.destination>;
  readonly close: () => Promise<void>;
}

/**
 * The file, opened here and synchronously, so a bad path fails `createLogger` with a clear
 * error rather than as an `error` event in the middle of a run.
 */
function openFile(file: string): FileDestination {
  let fd: number;
  try {
    makeDirectorySync(dirname(file));
    fd = openSync(file, 'a');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DsyncError('E_LOG_FILE', `cannot open the log file ${file}: ${why}`);
  }
  const destination = pino.destination({ dest: fd, sync: false });
  let reported = false;
  // A full disk must not kill the sync it logs: say so once, and go on without the log.
  destination.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`dsync: cannot write the log file ${file}: ${error.message}\n`);
  });
  let closed: Promise<void> | undefined;
  // Once, however often it is called: SonicBoom throws when ended twice.
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      destination.once('close', () => resolve());
      destination.once('error', () => resolve());
      // Writes what is buffered, then closes the file.
      destination.end();
    }));
  return { destination, close };
}

/** The stream pino writes to: each line scrubbed on its way to the real one. */
function redacting(
  target: LoggerStream,
  secrets: readonly string[],
  flush?: (cb: (error?: Error) => void) => void,
): DestinationStream & { flush?: (cb: (error?: Error) => void) => void } {
  return {
    write: (line: string) => void target.write(redactLine(line, secrets)),
    ...(flush === undefined ? {} : { flush }),
  };
}

function checkLevel(level: string): string {
  if (!LEVELS.includes(level))
    throw new Error(`Unknown log level "${level}": use one of ${LEVELS.join(', ')}.`);
  return level;
}

/** By the stream pino writes to: a child logger shares its parent's, so either closes it. */
const closers = new WeakMap<object, () => Promise<void>>();

function streamOf(logger: Logger): object | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return typeof stream === 'object' && stream !== null ? stream : undefined;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = checkLevel(options.level ?? 'info');
  const secrets = options.secrets ?? [];
  let close: () => Promise<void> = () => Promise.resolve();
  let stream: DestinationStream;
  if (options.file !== undefined) {
    const file = openFile(options.file);
    const { destination } = file;
    close = file.close;
    stream = redacting(destination, secrets, (cb) => destination.flush(cb));
  } else stream = redacting(options.stream ?? process.stderr, secrets);

  const logger = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Errors under `error` too, not only `err`: both names are used, and an unserialized Error is `{}`.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
  closers.set(stream, close);
  return logger;
}

/**
 * Writes what the logger buffered and closes its file (a stream given to it is left open):
 * before `process.exit`, or the last lines of a run are lost.
 */
export async function closeLogger(logger: Logger): Promise<void> {
  const stream = streamOf(logger);
  if (stream === undefined) return;
  const close = closers.get(stream);
  closers.delete(stream);
  await close?.();
}
