import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { DataSourceRegistry, type Sink } from '@dsync/datasource';
import { groundTruth, Market, startTushareSandbox } from '@dsync/sandbox';
import type { KnexStorage } from '@dsync/storage-adapters';
import knex from 'knex';
import { createTushareClient } from '../src/clients/tushare-client.js';
import { SyncController } from '../src/index.js';

/**
 * What the "query like a user" tests share: a small market, one month of `tushare.daily`
 * fetched from the sandbox by the real controller and client, the sandbox's own answers for
 * that month (computed from the seed, never through dsync's storage) and what an analyst
 * would compute from them, in plain JavaScript.
 */

export const MARKET = {
  seed: 'analyst',
  symbols: 10,
  start: '2024-01-01',
  end: '2024-02-29',
} as const;
export const MONTH = { since: '2024-01-01', until: '2024-01-31' } as const;
export const PARAMS = { start_date: '20240101', end_date: '20240131' } as const;

/** The numeric fields of a bar, all `float` in the catalog. */
export const NUMBERS = [
  'open',
  'high',
  'low',
  'close',
  'pre_close',
  'change',
  'pct_chg',
  'vol',
  'amount',
] as const;
export type NumberField = (typeof NUMBERS)[number];

/** A daily bar as the sandbox serves it: `trade_date` as `YYYYMMDD`, numbers as doubles. */
export type ServedBar = { ts_code: string; trade_date: string } & Record<NumberField, number>;

export const isoDate = (yyyymmdd: string): string =>
  `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;

/** Digits after the point in how JavaScript prints a number (the shortest round-trip text). */
export const decimals = (value: number): number => String(value).split('.')[1]?.length ?? 0;

/** Every bar the sandbox serves for the month, checked to be worth testing with. */
export function servedBars(market: Market): ServedBar[] {
  const bars = [...groundTruth(market).tushare('daily', PARAMS)] as unknown as ServedBar[];
  expect(bars.length).toBeGreaterThan(150);
  for (const bar of bars) for (const name of NUMBERS) expect(typeof bar[name]).toBe('number');
  // The test must not pass vacuously: long float tails and more decimals than the docs show.
  expect(bars.filter((b) => decimals(b.change) > 10).length).toBeGreaterThan(50);
  expect(bars.filter((b) => decimals(b.amount) === 5).length).toBeGreaterThan(50);
  return bars;
}

/** The rows whose exact values say the most: a `change` with a float tail, a 5-decimal `amount`. */
export function tellingBars(bars: readonly ServedBar[], n: number): ServedBar[] {
  const telling = bars.filter((b) => decimals(b.change) > 10 && decimals(b.amount) === 5);
  expect(telling.length).toBeGreaterThanOrEqual(n);
  return telling.slice(0, n);
}

/** What an analyst asks of the month, computed from the served bars in plain JavaScript. */
export interface Answers {
  readonly count: number;
  readonly maxClose: number;
  readonly minClose: number;
  readonly avgClose: number;
  readonly sumAmount: number;
  readonly maxChange: number;
  readonly minChange: number;
  /** The threshold of the count: a close that occurs, so `>` (not `>=`) is tested too. */
  readonly threshold: number;
  readonly above: number;
  /** `ORDER BY close DESC, ts_code, trade_date LIMIT 5`, dates as `YYYY-MM-DD`. */
  readonly top5: { ts_code: string; trade_date: string; close: number }[];
}

export function answers(bars: readonly ServedBar[]): Answers {
  const closes = bars.map((b) => b.close);
  const changes = bars.map((b) => b.change);
  const sorted = [...closes].sort((a, b) => a - b);
  const threshold = sorted[Math.floor(sorted.length / 2)] as number;
  expect(closes.filter((c) => c === threshold).length).toBeGreaterThanOrEqual(1);
  const above = closes.filter((c) => c > threshold).length;
  expect(above).toBeGreaterThan(0);
  expect(above).toBeLessThan(bars.length);
  const top5 = [...bars]
    .sort(
      (a, b) =>
        b.close - a.close ||
        (a.ts_code < b.ts_code ? -1 : a.ts_code > b.ts_code ? 1 : 0) ||
        (a.trade_date < b.trade_date ? -1 : a.trade_date > b.trade_date ? 1 : 0),
    )
    .slice(0, 5)
    .map((b) => ({ ts_code: b.ts_code, trade_date: isoDate(b.trade_date), close: b.close }));
  return {
    count: bars.length,
    maxClose: Math.max(...closes),
    minClose: Math.min(...closes),
    avgClose: closes.reduce((s, c) => s + c, 0) / closes.length,
    sumAmount: bars.reduce((s, b) => s + b.amount, 0),
    maxChange: Math.max(...changes),
    minChange: Math.min(...changes),
    threshold,
    above,
    top5,
  };
}

/** Equal within `1e-9` of the expected value's magnitude: for sums and averages, whose order of addition is the database's. */
export function expectClose(actual: number, expected: number): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
}

/**
 * Syncs the month of `tushare.daily` (and its calendar) from a fresh sandbox into `sink`,
 * with `storage` keeping the ledger and the calendar, as `dsync sync` does.
 */
export async function fetchMonth(market: Market, storage: KnexStorage, sink: Sink): Promise<void> {
  const sandbox = await startTushareSandbox({ market });
  try {
    const registry = DataSourceRegistry.load(['tushare.daily']);
    const client = createTushareClient({
      token: sandbox.token,
      baseUrl: sandbox.url,
      timeoutMs: 5_000,
    });
    const controller = new SyncController({
      registry,
      storage: {
        sink,
        checkpoints: storage.checkpoints,
        argContext: (f) => storage.argContext(f),
      },
      clients: { tushare: client },
      accounts: {
        tushare: {
          limits: {
            windows: [{ limit: 2000, windowMs: 1000 }],
            perInterface: true,
            maxConcurrent: 4,
          },
        },
      },
    });
    const result = await controller.sync({ ids: ['tushare.daily'], ...MONTH });
    expect(result.status).toBe('done');
    expect(result.sources.map((s) => [s.sourceId, s.status, s.dropped])).toEqual([
      ['tushare.trade_cal', 'done', 0],
      ['tushare.daily', 'done', 0],
    ]);
    expect(sandbox.counters().total).toMatchObject({ throttled: 0, rejected: 0, faulted: 0 });
  } finally {
    await sandbox.close();
  }
}

export const newMarket = (): Market => new Market(MARKET);

/**
 * A fresh, empty database per test file on each dialect: a temporary SQLite file, or a new
 * database on the machine's PostgreSQL and MariaDB. A server that does not answer fails the
 * test with how to start it: tests never skip.
 */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

const SERVERS = {
  postgres: {
    client: 'pg',
    admin: 'postgres://postgres@127.0.0.1:5432/postgres',
    base: 'postgres://postgres@127.0.0.1:5432/',
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  mysql: {
    client: 'mysql2',
    admin: 'mysql://root@127.0.0.1:3306/',
    base: 'mysql://root@127.0.0.1:3306/',
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
} as const;

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dsync-analyst-'));
    return {
      url: `sqlite:${join(dir, 'dsync.db')}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `dsync_analyst_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const server = SERVERS[dialect];
  const admin = () =>
    knex({
      client: server.client,
      connection: dialect === 'postgres' ? server.admin : { uri: server.admin },
    });
  const creating = admin();
  try {
    await creating.raw(`create database ${name}`);
  } catch (error) {
    throw new Error(
      `${dialect} is not reachable at ${server.admin} (${(error as Error).message}); start it: ${server.start}`,
      { cause: error },
    );
  } finally {
    await creating.destroy();
  }
  return {
    url: `${server.base}${name}`,
    async drop() {
      const dropping = admin();
      try {
        await dropping.raw(
          dialect === 'postgres'
            ? `drop database if exists ${name} with (force)`
            : `drop database if exists ${name}`,
        );
      } finally {
        await dropping.destroy();
      }
    },
  };
}
