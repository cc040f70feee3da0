/**
 * Complete over time: a sync every evening for 30 simulated days against replicas that
 * publish each day's data at a drawn time, revise some bars and restate some statements
 * later. Each day every settled day stored holds exactly the provider's final data and the
 * rest exactly what the provider served when last asked; at the end, and once everything
 * has settled, every table is the ground truth.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { createStorage, type KnexStorage, type ReadRow } from '@dsync/storage-adapters';
import { createNdlClient, createTushareClient, SyncController } from '../src/index.js';

jest.setTimeout(300_000);

const SMALL = process.env.CI !== undefined || process.env.DSYNC_RELIABILITY === 'small';
/** The evenings synced: 30 (10 in CI), each at 18:05 in Shanghai. */
const DAYS = SMALL ? 10 : 30;
const FIRST_DAY = '2024-04-22';
const SINCE = '2024-04-12';
/** A market whose annual reports of 2023 are restated while the days are synced. */
const market = new Market({
  seed: 'over-time-6',
  symbols: 10,
  start: '2023-10-01',
  end: '2024-06-28',
});
const REPORT_TYPES = Array.from({ length: 12 }, (_, i) => String(i + 1));
const TOKEN = 'over-time-token-0123';
const IDS = [
  'tushare.daily',
  'tushare.adj_factor',
  'tushare.daily_basic',
  'tushare.income',
  'ndl.SHARADAR.SEP',
];
const BARS = ['tushare.daily', 'tushare.adj_factor', 'tushare.daily_basic'] as const;

const dayAt = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** 18:05 in Shanghai on a day. */
const evening = (iso: string) => Date.parse(`${iso}T10:05:00Z`);

let now = evening(FIRST_DAY);
let dir: string;
let storage: KnexStorage;
let tushare: TushareSandbox;
let ndl: NdlSandbox;
let controller: SyncController;
let registry: DataSourceRegistry;

beforeAll(async () => {
  const clock = () => now;
  tushare = await startTushareSandbox({
    market,
    accounts: [{ token: TOKEN, tier: { perMinute: 1e6, apis: 'all' } }],
    now: clock,
  });
  ndl = await startNdlSandbox({ market, now: clock });
  dir = mkdtempSync(join(tmpdir(), 'dsync-over-time-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
  await storage.ready();
  registry = DataSourceRegistry.load([
    { extends: 'tushare.trade_cal', sync: { since: '2023-10-01' } },
    ...BARS.map((id) => ({ extends: id, sync: { since: SINCE } })),
    { extends: 'tushare.income', sync: { since: '2023-10-01' } },
    { extends: 'ndl.SHARADAR.SEP', sync: { since: SINCE } },
  ]);
  controller = new SyncController({
    registry,
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
      latestDate: (s, field) => storage.latestDate(s, field),
    },
    clients: {
      tushare: createTushareClient({
        token: TOKEN,
        baseUrl: tushare.url,
        clock: () => now,
      }),
      ndl: createNdlClient({
        apiKey: ndl.apiKey,
        baseUrl: `${ndl.url}/api/v3`,
        clock: () => now,
      }),
    },
    accounts: {
      tushare: {
        limits: {
          windows: [{ limit: 5000, windowMs: 1000 }],
          perInterface: true,
          maxConcurrent: 4,
        },
      },
      ndl: { limits: { windows: [{ limit: 5000, windowMs: 1000 }], maxConcurrent: 2 } },
    },
    clock,
  });
});

afterAll(async () => {
  await Promise.all([tushare.close(), ndl.close()]);
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const source = (id: string): DataSource => registry.get(id);
const keyOf = (s: DataSource) => (row: Readonly<Record<string, unknown>>) =>
  s.primaryKey.map((k) => String(row[k])).join('|');
const byKey = (s: DataSource, rows: readonly Readonly<Record<string, unknown>>[]) =>
  [...rows].sort((a, b) => (keyOf(s)(a) < keyOf(s)(b) ? -1 : keyOf(s)(a) > keyOf(s)(b) ? 1 : 0));

/** A bar source's truth from SINCE, as the replica serves it at `asOf` (undefined: final). */
const barTruth = (id: string, asOf?: number) =>
  storedTruth(
    market,
    source(id),
    { start_date: SINCE.replaceAll('-', ''), end_date: '20240628' },
    asOf === undefined ? {} : { asOf },
  );

/** Every income statement of every stock and report type of a period, at `asOf`. */
function incomeTruth(period: string, asOf?: number) {
  const s = source('tushare.income');
  return market.stocks.flatMap((stock) =>
    REPORT_TYPES.flatMap((report_type) =>
      storedTruth(
        market,
        s,
        { ts_code: stock.ts_code, report_type, period: period.replaceAll('-', '') },
        asOf === undefined ? {} : { asOf },
      ),
    ),
  );
}

/** When each report period's requests were last sent, from the ledger. */
async function lastAsked(): Promise<Map<string, number>> {
  const tasks = await storage.checkpoints.listTasks({
    sourceId: 'tushare.income',
    status: 'done',
    limit: 100_000,
  });
  const last = new Map<string, number>();
  for (const t of tasks) {
    const period = String(t.args.params['period']).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');
    last.set(period, Math.max(last.get(period) ?? 0, Date.parse(t.updatedAt)));
  }
  return last;
}

/** The statements as the replica served each period when it was last asked (undefined: final). */
async function incomeExpected(final = false) {
  const rows = [...(await lastAsked())].flatMap(([period, at]) =>
    incomeTruth(period, final ? undefined : at),
  );
  return byKey(source('tushare.income'), rows);
}

/** SEP's (ticker, date, volume, closeadj) from SINCE at `asOf`: the columns a revision changes. */
function sepTruth(asOf?: number): string[] {
  const truth = groundTruth(market, asOf === undefined ? {} : { asOf }).ndlTable(
    'SHARADAR',
    'SEP',
    {
      'date.gte': SINCE,
      'qopts.columns': 'ticker,date,volume,closeadj',
    },
  );
  return truth.map((r) => r.map(String).join(' ')).sort();
}
const sepStored = (rows: readonly ReadRow[]) =>
  rows
    .map((r) => [r['ticker'], r['date'], r['volume'], r['closeadj']].map(String).join(' '))
    .sort();

const rowsOf = async (id: string) => storage.readRows(source(id));

describe(`complete over time: ${DAYS} evenings of syncs against replicas that publish late, revise and restate`, () => {
  it('keeps every settled day exact and the rest as last served; after settling, every table is the truth', async () => {
    const needed = new Map<string, Set<string>>();
    for (let day = 0; day < DAYS; day++) {
      now = evening(dayAt(FIRST_DAY, day));
      // As `dsync sync <ids>` from cron each evening at 18:05, weekends included. A plan made
      // first counts what the sync then asks, re-checks included.
      const planned = await controller.plan({ ids: IDS });
      const result = await controller.sync({ ids: IDS });
      expect([dayAt(FIRST_DAY, day), result.status]).toEqual([dayAt(FIRST_DAY, day), 'done']);
      // (The bars' plan is an estimate, weekdays for the days past the calendar stored last
      // evening: the run stores the calendar first. Exact counts must be what the run asks.)
      const asked = new Map(result.sources.map((r) => [r.sourceId, r.requests]));
      const exact = planned.filter((p) => p.count === 'exact');
      // (The first evening, income's keys are not stored until the run stores the stock list.)
      if (day > 0)
        expect(exact.map((p) => p.sourceId)).toEqual(
          expect.arrayContaining(['tushare.income', 'ndl.SHARADAR.SEP']),
        );
      for (const p of exact)
        expect([dayAt(FIRST_DAY, day), p.sourceId, p.requests]).toEqual([
          dayAt(FIRST_DAY, day),
          p.sourceId,
          asked.get(p.sourceId),
        ]);

      // Every bar table holds exactly what the replica serves now: settled days final,
      // the tail as it is tonight.
      for (const id of BARS) {
        const s = source(id);
        expect([id, byKey(s, await rowsOf(id))]).toEqual([id, barTruth(id, now)]);
        // The cursor never passes a day that may still change.
        const { cursor } = await storage.checkpoints.getSourceState(id);
        expect(cursor === undefined || cursor < dayAt(FIRST_DAY, day)).toBe(true);
        for (const r of barTruth(id, now)) {
          const days = needed.get(id) ?? new Set<string>();
          days.add(String(r['trade_date']));
          needed.set(id, days);
        }
      }
      // Statements as the replica served them when last asked (every 7 days until settled).
      expect(byKey(source('tushare.income'), await rowsOf('tushare.income'))).toEqual(
        await incomeExpected(),
      );
      expect(sepStored(await rowsOf('ndl.SHARADAR.SEP'))).toEqual(sepTruth(now));
    }

    // Revisions and restatements happened within the days synced, so they were tested.
    const simulated = market.openDays(SINCE, dayAt(FIRST_DAY, DAYS - 1));
    const revisions = simulated.flatMap((d) => revisionsOf(market, 'tushare.daily', d));
    expect(revisions.length).toBeGreaterThan(0);

    // What the re-checks cost: calls per source per simulated day, against the open days
    // (one call each) a sync that never asked again would make.
    const calls = tushare.counters().byApi;
    const cost = BARS.map((id) => {
      const api = id.slice('tushare.'.length);
      const made = calls[api]?.served ?? 0;
      const days = needed.get(id)?.size ?? 0;
      return { id, made, days, extraPerDay: (made - days) / DAYS };
    });
    const income = calls['income']?.served ?? 0;
    const sep = ndl.counters().total.served;
    console.log(
      `re-check cost over ${DAYS} evenings (income: ${income} calls, SEP: ${sep}):\n` +
        cost
          .map(
            (c) =>
              `  ${c.id}: ${c.made} calls for ${c.days} days (${c.extraPerDay.toFixed(2)} extra a day)`,
          )
          .join('\n'),
    );
    for (const c of cost) expect(c.made).toBeLessThanOrEqual(3 * c.days + 3);

    // Four months on, everything has settled: one more sync, and every table is the truth.
    now = Date.parse('2024-09-02T13:00:00Z');
    expect((await controller.sync({ ids: IDS })).status).toBe('done');
    for (const id of BARS)
      expect([id, byKey(source(id), await rowsOf(id))]).toEqual([id, barTruth(id)]);
    expect(byKey(source('tushare.income'), await rowsOf('tushare.income'))).toEqual(
      await incomeExpected(true),
    );
    // A statement was restated during the days synced: its first version is stored flagged 0.
    const restated = (await rowsOf('tushare.income')).filter((r) => r['update_flag'] === '0');
    expect(restated.length).toBeGreaterThan(0);
    // Every period since 2023-10-01 that has ended: Q4 2023 to Q2 2024.
    expect([...(await lastAsked()).keys()].sort()).toEqual([
      '2023-12-31',
      '2024-03-31',
      '2024-06-30',
    ]);
    expect(sepStored(await rowsOf('ndl.SHARADAR.SEP'))).toEqual(sepTruth());
  });
});
