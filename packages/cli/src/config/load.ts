import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { formatPath } from '@dsync/datasource';
import { redactText } from '@dsync/datasource';
import { parseDocument } from 'yaml';
import { interpolateEnv, mergeEnv, readDotenv } from './env.js';
import {
  ConfigError,
  configSchema,
  describeIssues,
  type ConfigIssue,
  type DsyncConfig,
} from './schema.js';

/** Looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = ['dsync.config.yaml', 'dsync.config.yml', 'dsync.config.json'];

export interface LoadConfigOptions {
  /** Where a config file is looked for, and what a relative `path` is relative to. */
  readonly cwd: string;
  /** An explicit config file (`--config`); it must exist. */
  readonly path?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  readonly config: DsyncConfig;
  /** The config file's absolute path; undefined when none was found and the defaults apply. */
  readonly path: string | undefined;
  /** What relative paths were resolved against: the config file's directory, else the cwd. */
  readonly dir: string;
}

/**
 * Finds, reads, interpolates and validates the configuration, and resolves its relative
 * paths against the config file's directory (so `dsync` works the same from anywhere).
 * @throws ConfigError `<file>: <key.path>: <what is wrong>`, one line per issue, without credentials
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd);
  const path = options.path === undefined ? await findConfigFile(cwd) : resolve(cwd, options.path);
  const dir = path === undefined ? cwd : dirname(path);
  const document = path === undefined ? {} : parseConfig(await readConfigFile(path), path);
  const env = mergeEnv(await readDotenv(dir), options.env ?? process.env);
  const config = validate(interpolateEnv(document, env, path), path);
  return { config: resolvePaths(config, dir), path, dir };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findConfigFile(cwd: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const name of CONFIG_FILE_NAMES) if (await isFile(join(cwd, name))) found.push(name);
  // Two files would leave the user guessing which one is in force.
  if (found.length > 1) {
    throw new ConfigError(cwd, [
      { message: `found ${found.join(' and ')}; keep one, or choose one with --config` },
    ]);
  }
  return found[0] === undefined ? undefined : join(cwd, found[0]);
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'the config file does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not a config file'
          : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(path, [{ message }]);
  }
}

/** A `.json` file is JSON; anything else is YAML (which reads JSON too). An empty file is `{}`. */
function parseConfig(text: string, path: string): unknown {
  // Parser messages can quote the file's text; keep only their first line, and hide URL credentials.
  const clean = (message: string) => redactText(message.split('\n')[0] ?? '');
  const withoutBom = text.replace(/^\uFEFF/, '');
  if (extname(path).toLowerCase() === '.json') return parseJson(withoutBom, path, clean);
  const document = parseDocument(withoutBom);
  const [error] = document.errors;
  if (error !== undefined) {
    const [start] = error.linePos ?? [];
    throw new ConfigError(path, [
      {
        ...(start === undefined ? {} : { line: start.line, column: start.col }),
        message: clean(error.message).replace(/ at line \d+, column \d+:?$/, ''),
      },
    ]);
  }
  try {
    return (document.toJS() as unknown) ?? {};
  } catch (error) {
    // e.g. aliases expanding beyond yaml's limit
    throw new ConfigError(path, [{ message: clean((error as Error).message) }]);
  }
}

function parseJson(text: string, path: string, clean: (message: string) => string): unknown {
  try {
    return (JSON.parse(text) as unknown) ?? {};
  } catch (error) {
    const message = (error as Error).message;
    const { line, column } = lineAndColumn(text, jsonErrorOffset(text, message));
    // V8 appends the position, or a quote of the text: neither belongs in the message.
    const what = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (\.\.\.)?".*$/s, '');
    throw new ConfigError(path, [{ line, column, message: clean(what) }]);
  }
}

/** Whether JSON.parse rejects this prefix of a text for something other than ending early. */
function isBrokenPrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('Unexpected end')) return false;
    const position = / at position (\d+)/.exec(message)?.[1];
    return position === undefined || Number(position) < prefix.length;
  }
}

/**
 * Where JSON.parse failed: V8 says so for most errors, but an unexpected token only comes
 * with a quote of the text. Then the position is the end of the shortest prefix that is
 * already broken (a prefix that merely ends early is not), found by bisection.
 */
function jsonErrorOffset(text: string, message: string): number {
  const position = / at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (message.startsWith('Unexpected end')) return text.length;
  let ok = 0;
  let broken = text.length;
  while (broken - ok > 1) {
    const middle = Math.floor((ok + broken) / 2);
    if (isBrokenPrefix(text.slice(0, middle))) broken = middle;
    else ok = middle;
  }
  return broken - 1;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** Keys whose values are credentials, at any depth. */
const SECRET_KEY = /^(token|api_?key|password|passwd|secret)$/i;
/** Query parameters that carry credentials (as redactUrl hides them). */
const SECRET_PARAM = /pass|secret|token|key/i;

function urlSecrets(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const secrets = [
    url.password,
    ...[...url.searchParams].filter(([k]) => SECRET_PARAM.test(k)).map(([, v]) => v),
  ];
  return secrets.flatMap((secret) => {
    try {
      return [secret, decodeURIComponent(secret)];
    } catch {
      return [secret];
    }
  });
}

/**
 * Every credential in a document: values under credential keys, and URL passwords. Shorter
 * than 4 characters they are left out: hiding them would blank out ordinary words.
 */
function secretsIn(document: unknown): string[] {
  const secrets = new Set<string>();
  const walk = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      for (const secret of urlSecrets(value)) secrets.add(secret);
      if (key !== undefined && SECRET_KEY.test(key)) secrets.add(value);
    } else if ((typeof value === 'number' || typeof value === 'boolean') && key !== undefined) {
      if (SECRET_KEY.test(key)) secrets.add(String(value));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, undefined);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(document, undefined);
  // Longest first, so that a secret containing another is hidden whole.
  return [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

function hideSecrets(text: string, secrets: readonly string[]): string {
  // Not redactText's secrets: a config's own credentials are hidden from 4 characters on.
  let out = redactText(text);
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function validate(document: unknown, file: string | undefined): DsyncConfig {
  const result = configSchema.safeParse(document, { reportInput: true });
  if (result.success) return result.data;
  // The messages echo only harmless values, but a credential must never reach a terminal or a log.
  const secrets = secretsIn(document);
  const issues: ConfigIssue[] = describeIssues(result.error.issues).map(({ path, message }) => ({
    ...(path.length === 0 ? {} : { keyPath: formatPath(path) }),
    message: hideSecrets(message, secrets),
  }));
  throw new ConfigError(file, issues);
}

/** `sqlite:<file>` with the file made absolute; other URLs and `sqlite::memory:` as they are. */
function resolveSqlite(url: string, dir: string): string {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return url;
  return `sqlite:${resolve(dir, url.slice('sqlite:'.length))}`;
}

function resolvePaths(config: DsyncConfig, dir: string): DsyncConfig {
  const { storage, log } = config;
  return {
    ...config,
    storage:
      typeof storage === 'string'
        ? resolveSqlite(storage, dir)
        : { ...storage, files: resolve(dir, storage.files) },
    log: log.file === undefined ? log : { ...log, file: resolve(dir, log.file) },
  };
}
