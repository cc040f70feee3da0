import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { DataSourceRegistry } from '@dsync/datasource';
import {
  groundTruth,
  Market,
  startTushareSandbox,
  type MarketOptions,
  type TushareSandbox,
} from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';

export const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly done: Promise<Finished>;
  /** Resolves once stdout or stderr has printed `text`. */
  waitFor(text: string): Promise<void>;
  /** What stdout has printed so far. */
  stdout(): string;
  /** What stderr has printed so far. */
  stderr(): string;
  signal(name: NodeJS.Signals): void;
}

const childEnv = (cwd: string, env: NodeJS.ProcessEnv) => ({
  PATH: process.env.PATH,
  HOME: cwd,
  ...env,
});

/** Collects a child's output and tells when a text shows up in it. */
function watch(child: ChildProcessByStdio<null, Readable, Readable>): Running {
  let stdout = '';
  let stderr = '';
  let waiters: { text: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  const seen = (text: string) => stdout.includes(text) || stderr.includes(text);
  const wake = () => {
    for (const w of waiters.filter((w) => seen(w.text))) w.resolve();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    wake();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    wake();
  });
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => {
      // A text the process never printed fails its waiter now, not at the test's timeout.
      for (const w of waiters)
        w.reject(new Error(`exited ${code} without printing "${w.text}":\n${stdout}${stderr}`));
      waiters = [];
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    done,
    waitFor: (text) =>
      seen(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => waiters.push({ text, resolve, reject })),
    stdout: () => stdout,
    stderr: () => stderr,
    signal: (name) => child.kill(name),
  };
}

/** The built `dsync` binary in `cwd`, as a user runs it: a real process, no TTY. */
export function start(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  return watch(
    spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: childEnv(cwd, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * The binary in a pseudo-terminal of `columns` × `rows` (util-linux `script`): stdout and
 * stderr both arrive, as a terminal shows them, on the returned stdout.
 */
export function startInTerminal(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  size = { columns: 160, rows: 40 },
): Running {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  // A new pty is 0 × 0; the display needs a width to fit its lines to.
  const shell = `stty cols ${size.columns} rows ${size.rows} && exec ${command}`;
  return watch(
    spawn('script', ['-qfec', shell, '/dev/null'], {
      cwd,
      env: childEnv(cwd, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

export const dsync = (cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  start(cwd, args, env).done;

/** A temporary working directory with these files; removed by the returned function. */
export function workdir(files: Record<string, string> = {}): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `project(files)`: a working directory with these files, removed after the test. */
export function useProjects(): (files?: Record<string, string>) => string {
  let made: (() => void)[] = [];
  afterEach(() => {
    for (const remove of made) remove();
    made = [];
  });
  return (files = {}) => {
    const w = workdir(files);
    made.push(w.remove);
    return w.dir;
  };
}

/** Resolves once `check` holds, asking every 100 ms: for what a process does without saying so. */
export async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
}

// ---- The sandbox and what it holds ---------------------------------------------------------

export const TOKEN = 'cli-e2e-token-0123456789';

/** The environment a `projectConfig` reads its token from. */
export const TOKEN_ENV = { TUSHARE_TOKEN: TOKEN };

/** libfaketime (Debian's faketime package; CI installs it): a process's clock moved. */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** TOKEN_ENV for a dsync whose clock is `ahead` days in the future (libfaketime); today's without. */
export const envOnDay = (ahead: number): NodeJS.ProcessEnv =>
  ahead === 0 ? TOKEN_ENV : { ...TOKEN_ENV, FAKETIME: `+${ahead}d`, LD_PRELOAD: LIBFAKETIME };

/** A Tushare replica over `market` that answers TOKEN, at a pace no test reaches. */
export const startSandbox = (
  market: MarketOptions,
  tier: { perDay?: number } = {},
): Promise<TushareSandbox> =>
  startTushareSandbox({
    market: new Market(market),
    accounts: [{ token: TOKEN, tier: { perMinute: 10_000, apis: 'all', ...tier } }],
  });

/** A sandbox for a test file's tests: started before them, closed after; the getter reads it. */
export function useSandbox(market: MarketOptions): () => TushareSandbox {
  let sandbox: TushareSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(market);
  });
  afterAll(() => sandbox?.close());
  return () => sandbox as TushareSandbox;
}

export interface ProjectConfig {
  readonly url: string;
  /** @default sqlite:data/dsync.db */
  readonly storage?: string;
  readonly queue?: string;
  /** @default 6000 */
  readonly perMinute?: number;
  /** YAML list items. @default the calendar and daily bars */
  readonly sources?: readonly string[];
  /** The account's request timeout (ms). @default dsync's (30 s) */
  readonly timeoutMs?: number;
}

/** A dsync.config.yaml against the sandbox at `url`, its token from $TUSHARE_TOKEN. */
export const projectConfig = (c: ProjectConfig): string => `
storage: ${c.storage ?? 'sqlite:data/dsync.db'}
${c.queue === undefined ? '' : `queue: ${c.queue}`}
accounts:
  tushare:
    token: \${TUSHARE_TOKEN}
    baseUrl: ${c.url}
    limits: { perMinute: ${c.perMinute ?? 6000}, maxConcurrent: 4 }
${c.timeoutMs === undefined ? '' : `    timeoutMs: ${c.timeoutMs}`}
sources:
${(c.sources ?? ['tushare.trade_cal', 'tushare.daily']).map((s) => `  - ${s}`).join('\n')}
`;

/** The SQLite database a `projectConfig` keeps by default, in the project `dir`. */
export const projectDb = (dir: string): string => `sqlite:${join(dir, 'data', 'dsync.db')}`;

const isoDate = (yyyymmdd: unknown) =>
  String(yyyymmdd).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');

/**
 * The (ts_code, trade_date) keys a complete daily table holds over the days, from the ground
 * truth: final, or as the replica serves it at the instant `asOf` (ms).
 */
export function dailyTruth(
  market: MarketOptions,
  start: string,
  end: string,
  asOf?: number,
): string[] {
  const rows = groundTruth(new Market(market), asOf === undefined ? {} : { asOf }).tushare(
    'daily',
    {
      start_date: start.replaceAll('-', ''),
      end_date: end.replaceAll('-', ''),
    },
  );
  return [...rows].map((r) => `${String(r.ts_code)} ${isoDate(r.trade_date)}`).sort();
}

/**
 * A sandbox market from `start` to `end`, with what a test compares a sync of it to: the
 * range flags, its open days (a daily request each) and the daily table's ground truth.
 */
export function marketOver(seed: string, symbols: number, start: string, end: string) {
  const market: MarketOptions = { seed, symbols, start, end };
  return {
    market,
    range: ['--since', start, '--until', end],
    days: new Market(market).openDays(start, end).length,
    truth: () => dailyTruth(market, start, end),
  };
}

/** The (ts_code, trade_date) keys the daily table at `url` holds. */
export async function storedDaily(url: string): Promise<string[]> {
  const storage = createStorage({ url });
  try {
    const source = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');
    const rows = await storage.readRows(source, { limit: 100_000 });
    return rows.map((r) => `${String(r.ts_code)} ${String(r.trade_date)}`).sort();
  } finally {
    await storage.close();
  }
}

// ---- Services: PostgreSQL and RabbitMQ, through their own command-line tools ----------------

const run = promisify(execFile);

const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

const PG = ['-h', '127.0.0.1', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAt'];

/** Runs SQL on the machine's PostgreSQL; resolves with what it printed. */
export async function psql(database: string, sql: string): Promise<string> {
  const { stdout } = await run('psql', [...PG, '-d', database, '-c', sql]);
  return stdout.trim();
}

/** A new, empty PostgreSQL database; `drop` removes it, connections and all. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('dsync_cli');
  await psql('postgres', `create database ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => psql('postgres', `drop database ${name} with (force)`).then(() => undefined),
  };
}

/**
 * Holds an exclusive lock on a table in an open transaction, so every statement on it waits;
 * `release` rolls back and ends the session.
 */
export async function lockTable(
  url: string,
  table: string,
): Promise<{ release: () => Promise<void> }> {
  const database = new URL(url).pathname.slice(1);
  const session: ChildProcessByStdio<Writable, Readable, null> = spawn(
    'psql',
    [...PG, '-d', database],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    let out = '';
    session.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('locked')) resolve();
    });
    session.stdin.write(
      `begin;\nlock table ${table} in access exclusive mode;\nselect 'locked';\n`,
    );
  });
  return {
    release: async () => {
      session.stdin.end('rollback;\n');
      await closed;
    },
  };
}

/** A RabbitMQ virtual host of the test's own: its queues and exchanges go with it. */
export async function freshVhost(): Promise<{ url: string; remove: () => Promise<void> }> {
  const name = uniqueName('dsync-cli');
  await run('rabbitmqctl', ['add_vhost', name]);
  await run('rabbitmqctl', ['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return {
    url: `amqp://guest:guest@127.0.0.1:5672/${name}`,
    remove: () => run('rabbitmqctl', ['delete_vhost', name]).then(() => undefined),
  };
}

/** `redis-cli` against the machine's Redis; resolves with what it printed, trimmed. */
export const redisCli = async (...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-h', '127.0.0.1', ...args])).stdout.trim();

/**
 * A Redis user of the test's own, with a password (never to show in output), and a key
 * prefix of its own; `remove` deletes its keys and the user.
 */
export async function freshRedis(): Promise<{
  url: string;
  password: string;
  prefix: string;
  remove: () => Promise<void>;
}> {
  const id = randomBytes(4).toString('hex');
  const user = `dsync_e2e_${id}`;
  const password = `redis-pw-${randomBytes(8).toString('hex')}`;
  const prefix = `dsync-e2e-${id}`;
  await redisCli('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
  return {
    url: `redis://${user}:${password}@127.0.0.1:6379`,
    password,
    prefix,
    remove: async () => {
      for (const pattern of [`${prefix}*`, `b_${prefix}*`]) {
        const keys = (await redisCli('--scan', '--pattern', pattern)).split('\n').filter(Boolean);
        if (keys.length > 0) await redisCli('DEL', ...keys);
      }
      await redisCli('ACL', 'DELUSER', user);
    },
  };
}
