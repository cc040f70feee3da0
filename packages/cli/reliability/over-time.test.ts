/**
 * Complete over time, as a user runs it: `dsync sync <ids>` from cron every evening at 18:05
 * Shanghai for 30 simulated days (6 in CI), dsync's clock moved by libfaketime and the
 * replicas' by their `now` option, against replicas that publish each day's data at a drawn
 * time, revise some bars and restate some statements. Over Tushare daily, adj_factor,
 * daily_basic and income and NDL's SHARADAR/SEP: every evening every table holds exactly
 * what the replicas serve (statements: what they served when last asked), and once every day
 * has settled, every table is the ground truth, each row once. Again with kills, and with the
 * provider's daily limit reached midway.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSourceRegistry, type DataSource } from '@dsync/datasource';
import {
  groundTruth,
  Market,
  revisionsOf,
  startNdlSandbox,
  startTushareSandbox,
  storedTruth,
  type NdlSandbox,
  type TushareSandbox,
} from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import { LIBFAKETIME, projectDb, TOKEN } from '../test/e2e-helpers.js';
import {
  bySize,
  checksumOf,
  duplicateKeys,
  storedSum,
  useSecretScan,
  type SecretScan,
} from './harness.js';

const DAYS = bySize(6, 30);
const FIRST_DAY = '2024-04-22';
const SINCE = '2024-04-12';
/** A market whose annual reports of 2023 are restated while the days are synced. */
const MARKET = { seed: 'over-time-6', symbols: 10, start: '2023-10-01', end: '2024-06-28' };
const market = new Market(MARKET);
const NDL_KEY = 'reliability-ndl-key-0123';
const BARS = ['tushare.daily', 'tushare.adj_factor', 'tushare.daily_basic'];
const IDS = [...BARS, 'tushare.income', 'ndl.SHARADAR.SEP'];
const REPORT_TYPES = Array.from({ length: 12 }, (_, i) => String(i + 1));
const ENV = { TUSHARE_TOKEN: TOKEN, NDL_API_KEY: NDL_KEY };

const registry = DataSourceRegistry.load(IDS);
const source = (id: string): DataSource => registry.get(id);
const dayAt = (days: number) =>
  new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** 18:05 in Shanghai on the n-th day. */
const evening = (days: number) => Date.parse(`${dayAt(days)}T10:05:00Z`);

/** dsync's environment with its clock at `at` (libfaketime, from there at real speed). */
const envAt = (at: number): NodeJS.ProcessEnv => ({
  ...ENV,
  TZ: 'UTC',
  FAKETIME: `@${new Date(at).toISOString().slice(0, 19).replace('T', ' ')}`,
  FAKETIME_DONT_FAKE_MONOTONIC: '1',
  LD_PRELOAD: LIBFAKETIME,
});

const config = (tushareUrl: string, ndlUrl: string) => `
storage: sqlite:data/dsync.db
accounts:
  tushare:
    token: \${TUSHARE_TOKEN}
    baseUrl: ${tushareUrl}
    limits: { perMinute: 60000, maxConcurrent: 4 }
  ndl:
    apiKey: \${NDL_API_KEY}
    baseUrl: ${ndlUrl}/api/v3
    limits: { per10Seconds: 10000, per10Minutes: 100000, maxConcurrent: 2 }
sources:
  - { extends: tushare.trade_cal, since: 2023-10-01 }
${BARS.map((id) => `  - { extends: ${id}, since: ${SINCE} }`).join('\n')}
  - { extends: tushare.income, since: 2023-10-01 }
  - { extends: ndl.SHARADAR.SEP, since: ${SINCE} }
`;

// ---- What the replicas serve ----------------------------------------------------------------

const asOfOption = (asOf?: number) => (asOf === undefined ? {} : { asOf });

/** A bar source from SINCE, as served at `asOf` (undefined: final). */
const barTruth = (id: string, asOf?: number) =>
  checksumOf(
    storedTruth(
      market,
      source(id),
      { start_date: SINCE.replaceAll('-', ''), end_date: '20240628' },
      asOfOption(asOf),
    ).sort(byKey(source(id))),
  );

function byKey(s: DataSource) {
  return (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) => {
    for (const k of s.primaryKey) {
      const [x, y] = [String(a[k]), String(b[k])];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/** When each report period's income requests were last sent, from the project's ledger. */
async function lastAsked(dir: string): Promise<Map<string, number>> {
  const storage = createStorage({ url: projectDb(dir) });
  try {
    await storage.ready();
    const tasks = await storage.checkpoints.listTasks({
      sourceId: 'tushare.income',
      status: 'done',
      limit: 100_000,
    });
    const last = new Map<string, number>();
    for (const t of tasks) {
      const period = String(t.args.params['period']);
      last.set(period, Math.max(last.get(period) ?? 0, Date.parse(t.updatedAt)));
    }
    return last;
  } finally {
    await storage.close();
  }
}

/** The income table as the replica served each period when last asked (`final`: as it is for good). */
async function incomeTruth(dir: string, final = false) {
  const income = source('tushare.income');
  const rows = [...(await lastAsked(dir))].flatMap(([period, at]) =>
    market.stocks.flatMap((stock) =>
      REPORT_TYPES.flatMap((report_type) =>
        storedTruth(
          market,
          income,
          { ts_code: stock.ts_code, report_type, period },
          asOfOption(final ? undefined : at),
        ),
      ),
    ),
  );
  return checksumOf(rows.sort(byKey(income)));
}

/** SEP's (ticker, date, volume, closeadj) from SINCE as served at `asOf`: what a revision changes. */
const sepTruth = (asOf?: number) =>
  groundTruth(market, asOfOption(asOf))
    .ndlTable('SHARADAR', 'SEP', {
      'date.gte': SINCE,
      'qopts.columns': 'ticker,date,volume,closeadj',
    })
    .map((r) => r.map(String).join(' '))
    .sort();

async function sepStored(dir: string): Promise<string[]> {
  const storage = createStorage({ url: projectDb(dir) });
  try {
    await storage.ready();
    return (await storage.readRows(source('ndl.SHARADAR.SEP')))
      .map((r) => [r['ticker'], r['date'], r['volume'], r['closeadj']].map(String).join(' '))
      .sort();
  } finally {
    await storage.close();
  }
}

/** Every table holds what the replicas serve at `at`; statements what they served when last asked. */
async function expectServedAt(dir: string, at: number, day: string) {
  const db = projectDb(dir);
  for (const id of BARS)
    expect([day, id, await storedSum(db, id)]).toEqual([day, id, barTruth(id, at)]);
  expect([day, await storedSum(db, 'tushare.income')]).toEqual([day, await incomeTruth(dir)]);
  expect([day, await sepStored(dir)]).toEqual([day, sepTruth(at)]);
}

// ---- The simulation -------------------------------------------------------------------------

interface Scenario {
  /** Days on which the evening's sync is SIGKILLed after this many requests, then run again. */
  readonly kills?: ReadonlyMap<number, number>;
  /** The day the provider refuses all but two calls of each interface. */
  readonly limitDay?: number;
}

interface Replicas {
  readonly tushare: TushareSandbox;
  readonly limited: TushareSandbox;
  readonly ndl: NdlSandbox;
  now: number;
}

async function startReplicas(): Promise<Replicas> {
  const replicas = { now: evening(0) } as { -readonly [K in keyof Replicas]: Replicas[K] };
  const clock = () => replicas.now;
  const tier = (perDay?: number) => ({
    perMinute: 1e6,
    apis: 'all' as const,
    ...(perDay === undefined ? {} : { perDay }),
  });
  replicas.tushare = await startTushareSandbox({
    market,
    accounts: [{ token: TOKEN, tier: tier() }],
    now: clock,
  });
  replicas.limited = await startTushareSandbox({
    market,
    accounts: [{ token: TOKEN, tier: tier(2) }],
    now: clock,
  });
  replicas.ndl = await startNdlSandbox({
    market,
    apiKeys: [{ key: NDL_KEY, label: 'default' }],
    limits: { per10s: 10_000, per10min: 100_000 },
    now: clock,
  });
  return replicas;
}

const served = (r: Replicas) =>
  Object.values(r.tushare.counters().byApi).reduce((sum, c) => sum + c.served, 0) +
  Object.values(r.limited.counters().byApi).reduce((sum, c) => sum + c.served, 0) +
  r.ndl.counters().total.served;

/** Starts the evening's sync and SIGKILLs it once the replicas have served `after` more requests. */
async function killedSync(scan: SecretScan, dir: string, r: Replicas, after: number) {
  const before = served(r);
  const running = scan.start(dir, ['sync', ...IDS], envAt(r.now));
  let exited = false;
  void running.done.then(() => (exited = true));
  while (!exited && served(r) < before + after)
    await new Promise((resolve) => setTimeout(resolve, 2));
  running.signal('SIGKILL');
  // Killed, not finished on its own: a run that ended before its kill point tests nothing.
  expect((await running.done).code).toBeNull();
}

async function simulate(scan: SecretScan, scenario: Scenario): Promise<void> {
  expect(existsSync(LIBFAKETIME)).toBe(true);
  scan.secret(TOKEN, NDL_KEY);
  const r = await startReplicas();
  try {
    const dir = scan.project({ 'dsync.config.yaml': config(r.tushare.url, r.ndl.url) }, ENV);
    for (let day = 0; day < DAYS; day++) {
      r.now = evening(day);
      const limited = day === scenario.limitDay;
      writeFileSync(
        join(dir, 'dsync.config.yaml'),
        config((limited ? r.limited : r.tushare).url, r.ndl.url),
      );
      const kill = scenario.kills?.get(day);
      if (kill !== undefined) await killedSync(scan, dir, r, kill);
      const result = await scan.dsync(dir, ['sync', ...IDS], envAt(r.now));
      if (limited) {
        // Stopped at the limit, naming when it resets: the next evening goes on from there.
        expect([dayAt(day), result.code]).toEqual([dayAt(day), 3]);
        expect(result.stdout).toContain('Stopped at a limit');
        continue;
      }
      expect([dayAt(day), result.code]).toEqual([dayAt(day), 0]);
      await expectServedAt(dir, r.now, dayAt(day));
    }
    // The last evening's tables are current: nothing the provider has out by now is missing.
    const status = JSON.parse(
      (await scan.dsync(dir, ['status', '--json'], envAt(r.now))).stdout,
    ) as { sourceId: string; freshness?: { behind: number } }[];
    for (const id of BARS)
      expect([id, status.find((s) => s.sourceId === id)?.freshness?.behind]).toEqual([id, 0]);

    // Revisions and a restatement happened while the days were synced, so they were tested.
    const synced = market.openDays(SINCE, dayAt(DAYS - 1));
    expect(synced.flatMap((d) => revisionsOf(market, 'tushare.daily', d)).length).toBeGreaterThan(
      0,
    );

    // Four months on, every day has settled: one more sync, and every table is the truth.
    r.now = Date.parse('2024-09-02T13:00:00Z');
    writeFileSync(join(dir, 'dsync.config.yaml'), config(r.tushare.url, r.ndl.url));
    const last = await scan.dsync(dir, ['sync', ...IDS], envAt(r.now));
    expect(last.code).toBe(0);
    const db = projectDb(dir);
    for (const id of BARS) {
      expect([id, await storedSum(db, id)]).toEqual([id, barTruth(id)]);
      expect(await duplicateKeys(db, id)).toBe(0);
    }
    expect(await storedSum(db, 'tushare.income')).toEqual(await incomeTruth(dir, true));
    expect([...(await lastAsked(dir)).keys()].sort()).toEqual(['20231231', '20240331', '20240630']);
    expect(await sepStored(dir)).toEqual(sepTruth());
  } finally {
    await Promise.all([r.tushare.close(), r.limited.close(), r.ndl.close()]);
  }
}

describe(`complete over time: ${DAYS} evenings of dsync sync against replicas that publish late, revise and restate`, () => {
  const scan = useSecretScan();

  it('every evening every table is what is served, and once settled the ground truth', async () => {
    await simulate(scan, {});
  });

  it('the same with the evening’s sync SIGKILLed midway on some days', async () => {
    const kills = new Map(
      bySize<[number, number][]>(
        [[2, 3]],
        // Days 7 and 21 ask the statements again (weekly): those runs are killed deep in.
        [
          [3, 2],
          [7, 100],
          [11, 5],
          [21, 150],
          [26, 7],
        ],
      ),
    );
    await simulate(scan, { kills });
  });

  it('the same with the provider’s daily limit reached midway', async () => {
    await simulate(scan, { limitDay: bySize(3, 14) });
  });
});
