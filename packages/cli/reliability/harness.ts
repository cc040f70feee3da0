/**
 * The reliability suite's yardsticks, shared by its test files:
 * - the size knob: `DSYNC_RELIABILITY=small` (CI) or the full suite;
 * - ground truth: a table's row count and a checksum of every stored row, compared with the
 *   sandbox's truth over the same request params;
 * - the secrets scan: after every test, every output a process printed, every file in the
 *   test's projects (SQLite databases and logs included), every PostgreSQL database it used
 *   (pg_dump) and every answer of the web interface over the project must hold no secret.
 */
import { afterEach, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSourceRegistry } from '@dsync/datasource';
import { storedTruth, type MarketOptions } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import {
  projectDb,
  start,
  TOKEN_ENV,
  workdir,
  type Finished,
  type Running,
} from '../test/e2e-helpers.js';

const run = promisify(execFile);

// ---- Size ----------------------------------------------------------------------------------

/** The CI variant: fewer kills, smaller markets; the same checks. */
export const SMALL = process.env.DSYNC_RELIABILITY === 'small';

/** `small` in the CI variant, `full` otherwise. */
export const bySize = <T>(small: T, full: T): T => (SMALL ? small : full);

/** mulberry32: a small seeded PRNG, so a seed gives the same kill points again. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---- Ground truth --------------------------------------------------------------------------

export interface TableSum {
  readonly rows: number;
  /** sha256 over every row as canonical JSON (keys sorted), one per line, in primary-key order. */
  readonly sha256: string;
}

const canonical = (row: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))));

/** The count and checksum of rows, taken in the order given. */
export function checksumOf(rows: readonly Readonly<Record<string, unknown>>[]): TableSum {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(canonical(row) + '\n');
  return { rows: rows.length, sha256: hash.digest('hex') };
}

const sourceOf = (id: string) => DataSourceRegistry.load([id]).get(id);

/** What the table of `sourceId` at `url` holds (every row, primary-key order). */
export async function storedSum(url: string, sourceId: string): Promise<TableSum> {
  const storage = createStorage({ url });
  try {
    await storage.ready();
    return checksumOf(await storage.readRows(sourceOf(sourceId)));
  } finally {
    await storage.close();
  }
}

/** What a complete sync of `sourceId` over `params` stores, from the sandbox's ground truth. */
export const truthSum = (
  market: MarketOptions,
  sourceId: string,
  params: Readonly<Record<string, string | number>>,
): TableSum => checksumOf(storedTruth(market, sourceOf(sourceId), params));

/** The `tushare.daily` truth between two ISO dates. */
export const dailyTruthSum = (market: MarketOptions, since: string, until: string): TableSum =>
  truthSum(market, 'tushare.daily', {
    start_date: since.replaceAll('-', ''),
    end_date: until.replaceAll('-', ''),
  });

/**
 * The ledger and the table agree (after a kill, a stop): the daily table holds exactly the
 * truth of the days the project's ledger has done, each day done once (a task is done only
 * with its rows, and its rows are stored only with it). Resolves with the number of days.
 */
export async function expectDailyMatchesLedger(
  scan: SecretScan,
  dir: string,
  market: MarketOptions,
): Promise<number> {
  const listed = await scan.dsync(
    dir,
    ['tasks', '--source', 'tushare.daily', '--status', 'done', '--limit', '100000', '--json'],
    TOKEN_ENV,
  );
  expect(listed.code).toBe(0);
  const tasks = JSON.parse(listed.stdout) as { args: { params: { trade_date: string } } }[];
  const days = tasks.map((t) => t.args.params.trade_date);
  expect(new Set(days).size).toBe(days.length);
  const daily = sourceOf('tushare.daily');
  const truth = days
    .flatMap((day) => storedTruth(market, daily, { trade_date: day }))
    .sort(byPrimaryKey(daily.primaryKey));
  expect(await storedSum(projectDb(dir), 'tushare.daily')).toEqual(checksumOf(truth));
  return days.length;
}

/** Orders rows as the storage reads them back: by the declared key, column by column. */
const byPrimaryKey =
  (keys: readonly string[]) =>
  (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): number => {
    for (const k of keys) {
      const [x, y] = [String(a[k]), String(b[k])];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/** Rows whose primary key appears more than once (0 unless a table lost its key). */
export async function duplicateKeys(url: string, sourceId: string): Promise<number> {
  const source = sourceOf(sourceId);
  const storage = createStorage({ url });
  try {
    await storage.ready();
    const rows = await storage.readRows(source);
    const keys = new Set(rows.map((r) => source.primaryKey.map((k) => String(r[k])).join('\0')));
    return rows.length - keys.size;
  } finally {
    await storage.close();
  }
}

// ---- Secrets -------------------------------------------------------------------------------

export interface SecretScan {
  /** Secrets no output, file, database or answer may contain (each at least 8 characters). */
  secret(...values: string[]): void;
  /**
   * A working directory with these files, scanned after the test (every file in it, byte for
   * byte, and the web interface's answers over it, run with `env`), then removed.
   */
  project(files: Record<string, string>, env?: NodeJS.ProcessEnv): string;
  /** A PostgreSQL database (by URL) to dump and scan after the test. */
  postgres(url: string): void;
  /** `start` that keeps what the process printed, for the scan. */
  start(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Running;
  /** `start(...).done`, kept for the scan. */
  dsync(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Finished>;
  /** Any other text a test saw (an error message, an answer), named for the failure message. */
  text(where: string, text: string): void;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });

/** Where, among these texts, any of the secrets shows; `[]` when none does. */
function leaks(secrets: readonly string[], texts: readonly (readonly [string, string])[]) {
  const found: string[] = [];
  for (const [where, text] of texts)
    for (const secret of secrets)
      if (text.includes(secret)) found.push(`${where} holds "${secret.slice(0, 4)}…"`);
  return found;
}

/** Every GET answer of `dsync serve` over the project: the pages, the API, events, metrics. */
async function webAnswers(dir: string, env: NodeJS.ProcessEnv): Promise<[string, string][]> {
  const server = start(dir, ['serve', '--port', '0'], env);
  try {
    await server.waitFor('dsync web interface at ');
    // stdout holds the address alone, for scripts.
    const base = /^http:\/\/\S+$/m.exec(server.stdout())?.[0];
    if (base === undefined) throw new Error(`serve printed no address: ${server.stdout()}`);
    const get = async (path: string): Promise<[string, string]> => {
      const response = await fetch(new URL(path, base));
      return [`GET ${path}`, await response.text()];
    };
    const answers = await Promise.all(
      ['/', '/api/health', '/api/sources', '/api/runs', '/api/tasks', '/api/quota'].map(get),
    );
    answers.push(await get('/api/tasks?status=failed'), await get('/metrics'));
    const sources = JSON.parse(answers[2]?.[1] ?? '[]') as { id?: string; sourceId?: string }[];
    for (const s of Array.isArray(sources) ? sources : []) {
      const id = s.id ?? s.sourceId;
      if (id === undefined) continue;
      answers.push(await get(`/api/sources/${id}`), await get(`/api/sources/${id}/rows?limit=50`));
    }
    return answers;
  } finally {
    server.signal('SIGINT');
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
  }
}

/** What a test registered for the scan. */
interface Registered {
  readonly secrets: string[];
  readonly projects: { dir: string; env: NodeJS.ProcessEnv; remove: () => void }[];
  readonly databases: string[];
  readonly outputs: Running[];
  readonly texts: [string, string][];
}

const nothingRegistered = (): Registered => ({
  secrets: [],
  projects: [],
  databases: [],
  outputs: [],
  texts: [],
});

/** Every text to scan: outputs, project files, web answers, database dumps. */
async function textsOf(r: Registered): Promise<[string, string][]> {
  const seen: [string, string][] = [...r.texts];
  for (const [i, o] of r.outputs.entries()) {
    const { stdout, stderr } = await o.done;
    seen.push([`process ${i + 1}'s output`, stdout + stderr]);
  }
  for (const { dir, env } of r.projects) {
    for (const file of filesUnder(dir))
      if (statSync(file).size > 0) seen.push([file, readFileSync(file).toString('latin1')]);
    seen.push(...(await webAnswers(dir, env)));
  }
  for (const url of r.databases) {
    const { stdout } = await run('pg_dump', ['--no-owner', '--data-only', url], {
      maxBuffer: 512 * 1024 * 1024,
    });
    seen.push([`pg_dump of ${new URL(url).pathname.slice(1)}`, stdout]);
  }
  return seen;
}

/**
 * The secrets scan of a test file: register what to scan during a test; after it, the scan
 * runs and fails the test, naming every leak and where it is.
 */
export function useSecretScan(): SecretScan {
  let registered = nothingRegistered();

  afterEach(async () => {
    // Taken and reset first: a failing scan must not leave its lists to the next test.
    const scanned = registered;
    registered = nothingRegistered();
    try {
      expect(leaks(scanned.secrets, await textsOf(scanned))).toEqual([]);
    } finally {
      for (const p of scanned.projects) p.remove();
    }
  });

  const keep = (running: Running): Running => {
    registered.outputs.push(running);
    return running;
  };
  return {
    secret: (...values) => {
      for (const v of values) {
        if (v.length < 8) throw new Error(`a secret to scan for must be 8+ characters: "${v}"`);
        registered.secrets.push(v);
      }
    },
    project: (files, env = {}) => {
      const { dir, remove } = workdir(files);
      registered.projects.push({ dir, env, remove });
      return dir;
    },
    postgres: (url) => registered.databases.push(url),
    start: (cwd, args, env) => keep(start(cwd, args, env)),
    dsync: (cwd, args, env) => keep(start(cwd, args, env)).done,
    text: (where, text) => registered.texts.push([where, text]),
  };
}
