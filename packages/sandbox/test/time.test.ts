import { builtInCatalog } from '@dsync/datasource';
import { describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  groundTruth,
  Market,
  publishedAt,
  revisionsOf,
  startNdlSandbox,
  startTushareSandbox,
  storedTruth,
  type NdlRow,
} from '../src/index.js';
import { callTushare, records, track } from './helpers.js';

jest.setTimeout(30_000);

const MARKET = { seed: 'time', symbols: 40, start: '2023-01-01', end: '2024-06-30' } as const;
const market = new Market(MARKET);
const MINUTE = 60_000;

/** Both replicas on one clock the test moves. */
async function startOnClock() {
  const clock = { now: Date.parse('2024-01-01T00:00:00Z') };
  const now = () => clock.now;
  const tushare = await track(startTushareSandbox({ market, now }));
  const ndl = await track(startNdlSandbox({ market, now }));
  /** The rows of one Tushare call at the clock's instant. */
  const ask = async (api: string, params: Record<string, string>) => {
    const answer = await callTushare(tushare.url, { api_name: api, token: tushare.token, params });
    expect(answer.code).toBe(0);
    return records(answer);
  };
  /** Every row of an NDL table for a query (one page: the queries here are small). */
  const table = async (path: string, query: string) => {
    const response = await fetch(`${ndl.url}/api/v3/${path}.json?api_key=${ndl.apiKey}&${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      datatable: { data: NdlRow[] };
      meta: { next_cursor_id: string | null };
    };
    expect(body.meta.next_cursor_id).toBeNull();
    return body.datatable.data;
  };
  return { clock, ask, table, ndl };
}

/** The served rows a replica answers as of an instant, from the ground truth at it. */
const truthAt = (asOf: number, api: string, params: Record<string, string>) =>
  [...groundTruth(market, { asOf }).tushare(api, params)].map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v ?? null])),
  );

const formats = new Map<string, Intl.DateTimeFormat>();

/** Local date and time of an instant in a zone: `["2024-01-03", "19:56:53"]`. */
function local(timeZone: string, instant: number): [string, string] {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return [
    `${parts['year']}-${parts['month']}-${parts['day']}`,
    `${parts['hour']}:${parts['minute']}:${parts['second']}`,
  ];
}

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('publication: a day is served once its drawn instant has passed', () => {
  it('serves no daily bar of a day a minute before its instant, and all of them at it', async () => {
    const { clock, ask } = await startOnClock();
    const at = publishedAt(market, 'tushare.daily', '2024-01-03');
    // 19:56:53 in Shanghai, inside the catalog's 15:00–20:00.
    expect(new Date(at).toISOString()).toBe('2024-01-03T11:56:53.000Z');
    expect(publishedAt(market, 'tushare.daily', '20240103')).toBe(at);

    clock.now = at - MINUTE;
    expect(await ask('daily', { trade_date: '20240103' })).toEqual([]);
    const range = { start_date: '20240102', end_date: '20240104' };
    const before = await ask('daily', range);
    expect([...new Set(before.map((r) => r['trade_date']))]).toEqual(['20240102']);
    expect(before).toEqual(truthAt(clock.now, 'daily', range));

    clock.now = at;
    const day = await ask('daily', { trade_date: '20240103' });
    const final = truthAt(Number.POSITIVE_INFINITY, 'daily', { trade_date: '20240103' });
    expect(day).toHaveLength(final.length);
    expect(day).toHaveLength(34);
    expect(day).toEqual(final); // no bar of that day is revised
    const after = await ask('daily', range);
    expect([...new Set(after.map((r) => r['trade_date']))]).toEqual(['20240103', '20240102']);
    expect(after).toEqual(truthAt(at, 'daily', range));
  });

  it('draws every instant inside the catalog window, DST days included, spread over it', () => {
    const sources = [
      'tushare.daily',
      'tushare.adj_factor',
      'tushare.daily_basic',
      'tushare.weekly',
      'tushare.index_daily',
      'tushare.income',
      'tushare.fina_indicator',
      'ndl.SHARADAR.SEP',
      'ndl.WIKI.PRICES',
      'ndl.LBMA.GOLD',
    ];
    const days = Array.from({ length: 365 }, (_, i) => addDays('2023-01-01', i));
    for (const id of sources) {
      const p = builtInCatalog().get(id)?.publication;
      if (p === undefined) throw new Error(id);
      const shares: number[] = [];
      for (const day of days) {
        const at = publishedAt(market, id, day);
        const [date, time] = local(p.timezone, at);
        expect([id, day, date]).toEqual([id, day, addDays(day, p.lagDays)]);
        expect(time >= `${p.from}:00` && time <= `${p.by}:00`).toBe(true);
        const seconds = (t: string) => t.split(':').reduce((sum, n) => sum * 60 + Number(n), 0);
        const width = seconds(`${p.by}:00`) - seconds(`${p.from}:00`);
        if (width > 0) shares.push((seconds(time) - seconds(`${p.from}:00`)) / width);
      }
      if (p.from === p.by) continue; // the statements: exactly 21:00 the next day
      const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
      expect(Math.min(...shares)).toBeLessThan(0.02);
      expect(Math.max(...shares)).toBeGreaterThan(0.98);
    }
    // New York changes clocks on 2023-03-12: that morning's SEP window (for the 11th) runs
    // from 00:00 EST (05:00 UTC) to 09:00 EDT (13:00 UTC).
    const onTheChange = publishedAt(market, 'ndl.SHARADAR.SEP', '2023-03-11');
    expect(onTheChange >= Date.parse('2023-03-12T05:00:00Z')).toBe(true);
    expect(onTheChange <= Date.parse('2023-03-12T13:00:00Z')).toBe(true);
    expect(publishedAt(market, 'tushare.income', '2024-04-29')).toBe(
      Date.parse('2024-04-30T21:00:00+08:00'),
    );
  });

  it('serves SHARADAR/SEP rows of a day only on the next day, 00:00–09:00 in New York', async () => {
    const { clock, table } = await startOnClock();
    for (const [day, from, by] of [
      // Winter time: New York is UTC−5.
      ['2024-01-04', '2024-01-05T05:00:00Z', '2024-01-05T14:00:00Z'],
      // The first weekday on summer time (UTC−4).
      ['2024-03-11', '2024-03-12T04:00:00Z', '2024-03-12T13:00:00Z'],
    ] as const) {
      const at = publishedAt(market, 'ndl.SHARADAR.SEP', day);
      expect(at >= Date.parse(from) && at <= Date.parse(by)).toBe(true);
      const final = groundTruth(market).ndlTable('SHARADAR', 'SEP', { date: day });
      expect(final).toHaveLength(35);
      // Its own day is over in New York: still nothing.
      clock.now = Date.parse(from) - 1000;
      expect(await table('datatables/SHARADAR/SEP', `date=${day}`)).toEqual([]);
      clock.now = at - 1000;
      expect(await table('datatables/SHARADAR/SEP', `date=${day}`)).toEqual([]);
      for (const instant of [at, Date.parse(by)]) {
        clock.now = instant;
        const served = await table('datatables/SHARADAR/SEP', `date=${day}`);
        expect(served).toEqual(
          groundTruth(market, { asOf: instant }).ndlTable('SHARADAR', 'SEP', { date: day }),
        );
        expect(served.map((r) => r[0])).toEqual(final.map((r) => r[0]));
      }
    }
    expect(new Date(publishedAt(market, 'ndl.SHARADAR.SEP', '2024-01-04')).toISOString()).toBe(
      '2024-01-05T05:30:33.000Z', // 00:30:33 in New York
    );
  });

  it('serves the LBMA/GOLD fixing of a day from its instant on, newest_available_date with it', async () => {
    const { clock, ndl } = await startOnClock();
    const at = publishedAt(market, 'ndl.LBMA.GOLD', '2024-01-04');
    const gold = async () => {
      const response = await fetch(
        `${ndl.url}/api/v3/datasets/LBMA/GOLD.json?api_key=${ndl.apiKey}&start_date=2024-01-02`,
      );
      return (
        (await response.json()) as { dataset: { newest_available_date: string; data: NdlRow[] } }
      ).dataset;
    };
    clock.now = at - 1000;
    const before = await gold();
    expect([before.newest_available_date, before.data.map((r) => r[0])]).toEqual([
      '2024-01-03',
      ['2024-01-03', '2024-01-02'],
    ]);
    clock.now = at;
    const after = await gold();
    expect(after.newest_available_date).toBe('2024-01-04');
    expect(after.data).toEqual(
      groundTruth(market).ndlDataset('LBMA', 'GOLD', {
        start_date: '2024-01-02',
        end_date: '2024-01-04',
      }),
    );
  });

  it('lists a stock in stock_basic from its list date on, in Shanghai, and delisted from its delist date', async () => {
    const { clock, ask } = await startOnClock();
    const later = market.stock('600005.SH');
    expect(later?.listDate).toBe('2023-07-30');
    clock.now = Date.parse('2023-07-29T23:59:59+08:00');
    expect(await ask('stock_basic', { ts_code: '600005.SH' })).toEqual([]);
    clock.now = Date.parse('2023-07-30T00:00:00+08:00');
    expect(await ask('stock_basic', { ts_code: '600005.SH' })).toEqual(
      truthAt(Number.POSITIVE_INFINITY, 'stock_basic', { ts_code: '600005.SH' }),
    );
    expect((await ask('stock_basic', { ts_code: '600005.SH' }))[0]).toMatchObject({
      list_status: 'L',
      list_date: '20230730',
    });
    // 000014.SZ delists on 2023-03-01.
    clock.now = Date.parse('2023-02-28T12:00:00+08:00');
    expect(await ask('stock_basic', { ts_code: '000014.SZ' })).toEqual([
      expect.objectContaining({ list_status: 'L', delist_date: null }),
    ]);
    expect(await ask('stock_basic', { ts_code: '000014.SZ', list_status: 'D' })).toEqual([]);
    clock.now = Date.parse('2023-03-01T00:00:00+08:00');
    expect(await ask('stock_basic', { ts_code: '000014.SZ' })).toEqual([]);
    expect(await ask('stock_basic', { ts_code: '000014.SZ', list_status: 'D' })).toEqual([
      expect.objectContaining({ list_status: 'D', delist_date: '20230301' }),
    ]);
    const all = await ask('stock_basic', {});
    expect(all).toEqual(truthAt(clock.now, 'stock_basic', {}));
    expect(all).toHaveLength(33);
  });
});

describe('the final truth', () => {
  it('is what a market in the past is served today, exactly the values served before time was played', () => {
    const digest = (asOf?: number) => {
      const truth = groundTruth(market, asOf === undefined ? {} : { asOf });
      const hash = createHash('sha256');
      let rows = 0;
      const add = (all: Iterable<unknown>) => {
        for (const row of all) {
          hash.update(JSON.stringify(row));
          rows++;
        }
      };
      add(truth.tushare('daily', {}));
      add(truth.tushare('adj_factor', {}));
      add(truth.tushare('stock_basic', {}));
      add(truth.tushare('stock_basic', { list_status: 'D' }));
      for (const stock of market.stocks) {
        add(truth.tushare('income', { ts_code: stock.ts_code }));
        add(truth.tushare('balancesheet', { ts_code: stock.ts_code }));
      }
      add(truth.ndlTable('SHARADAR', 'SEP', {}));
      add(truth.ndlDataset('LBMA', 'GOLD', {}));
      return [rows, hash.digest('hex')];
    };
    // Computed with the sandbox as it was before publication, revisions and report types, then
    // again once bars carried their float tails (a change unrounded, amounts to 5 places).
    const before = [39217, '9bbe4bc9ad296addcf3c3420769eada46d6b37c5acd58d76782f18fe0e828cff'];
    expect(digest()).toEqual(before);
    expect(digest(Date.now())).toEqual(before);
  });
});

describe('revisions: a few rows are served preliminary until their revision instant', () => {
  it('serves a revised daily bar preliminary before its instant and final from it', async () => {
    const { clock, ask } = await startOnClock();
    const [revision, ...others] = revisionsOf(market, 'tushare.daily', '2024-01-04');
    expect(others).toEqual([]);
    expect(revision).toEqual({ key: '000018.SZ', at: Date.parse('2024-01-05T02:54:43Z') });
    const { key, at } = revision ?? { key: '', at: 0 };
    const published = publishedAt(market, 'tushare.daily', '2024-01-04');
    // Between the day's instant and a minute before it settles (20:00 of the next open day).
    expect(at > published && at <= Date.parse('2024-01-05T20:00:00+08:00') - MINUTE).toBe(true);
    const params = { trade_date: '20240104' };
    const final = truthAt(Number.POSITIVE_INFINITY, 'daily', params);
    const finalBar = final.find((r) => r['ts_code'] === key);

    clock.now = at - 1000;
    const before = await ask('daily', params);
    expect(before).toEqual(truthAt(clock.now, 'daily', params));
    const preliminary = before.find((r) => r['ts_code'] === key);
    // Only vol and amount differ, smaller by the drawn factor, rounded as the model rounds them.
    expect({ ...preliminary, vol: 0, amount: 0 }).toEqual({ ...finalBar, vol: 0, amount: 0 });
    const vol = preliminary?.['vol'] as number;
    const finalVol = finalBar?.['vol'] as number;
    expect(vol / finalVol >= 0.9 && vol / finalVol < 0.99).toBe(true);
    expect(preliminary?.['amount']).toBe(
      Math.round(
        ((vol * 100 * ((finalBar?.['open'] as number) + (finalBar?.['close'] as number))) /
          2 /
          1000) *
          100_000,
      ) / 100_000,
    );
    expect(before.filter((r) => r['ts_code'] !== key)).toEqual(
      final.filter((r) => r['ts_code'] !== key),
    );

    clock.now = at;
    const after = await ask('daily', params);
    expect(after).toEqual(final);
    expect(after).toEqual(truthAt(at, 'daily', params));
  });

  it('serves a revised adjustment factor first as the previous day’s, or 1% lower', async () => {
    const { clock, ask } = await startOnClock();
    const revisions = revisionsOf(market, 'tushare.adj_factor', '2024-01-05');
    expect(revisions.map((r) => r.key)).toEqual(['000017.SZ', '600016.SH']);
    for (const { key, at } of revisions) {
      const params = { ts_code: key, start_date: '20240104', end_date: '20240105' };
      const [finalDay, previousDay] = truthAt(Number.POSITIVE_INFINITY, 'adj_factor', params);
      clock.now = at - 1000;
      const [served] = await ask('adj_factor', params);
      const final = finalDay?.['adj_factor'] as number;
      const previous = previousDay?.['adj_factor'] as number;
      expect(served?.['adj_factor']).toBe(
        previous !== final ? previous : Math.round(final * 0.99 * 1000) / 1000,
      );
      expect(served?.['adj_factor']).not.toBe(final);
      expect(await ask('adj_factor', params)).toEqual(truthAt(clock.now, 'adj_factor', params));
      clock.now = at;
      expect(await ask('adj_factor', params)).toEqual([finalDay, previousDay]);
    }
  });

  it('serves revised SHARADAR/SEP rows with another volume and closeadj until their instant', async () => {
    const { clock, table } = await startOnClock();
    const revisions = revisionsOf(market, 'ndl.SHARADAR.SEP', '2024-01-03');
    expect(revisions.map((r) => r.key)).toEqual(['BAI', 'BAK', 'BBA', 'BBD', 'BBG']);
    const settles = Date.parse('2024-01-05T09:00:00-05:00'); // by + 1 day
    const final = groundTruth(market).ndlTable('SHARADAR', 'SEP', { date: '2024-01-03' });
    for (const { key, at } of revisions) {
      expect(at > publishedAt(market, 'ndl.SHARADAR.SEP', '2024-01-03')).toBe(true);
      expect(at <= settles - MINUTE).toBe(true);
      const finalRow = final.find((r) => r[0] === key) ?? [];
      clock.now = at - 1000;
      const served = await table('datatables/SHARADAR/SEP', 'date=2024-01-03');
      expect(served).toEqual(
        groundTruth(market, { asOf: clock.now }).ndlTable('SHARADAR', 'SEP', {
          date: '2024-01-03',
        }),
      );
      const row = served.find((r) => r[0] === key) ?? [];
      // volume (6) and closeadj (7) differ; everything else is final.
      expect(row.map((v, i) => (i === 6 || i === 7 ? null : v))).toEqual(
        finalRow.map((v, i) => (i === 6 || i === 7 ? null : v)),
      );
      expect([row[6] === finalRow[6], row[7] === finalRow[7]]).toEqual([false, false]);
      clock.now = at;
      expect((await table('datatables/SHARADAR/SEP', `date=2024-01-03&ticker=${key}`))[0]).toEqual(
        finalRow,
      );
    }
    clock.now = settles;
    expect(await table('datatables/SHARADAR/SEP', 'date=2024-01-03')).toEqual(final);
  });
});

describe('statements: versions appear at their announcement, restatements flip update_flag', () => {
  it('serves the original flagged 1 until the restatement is out, then both, the original flagged 0', async () => {
    const { clock, ask } = await startOnClock();
    const params = { ts_code: '600003.SH', period: '20230930' };
    const [newer, older] = truthAt(Number.POSITIVE_INFINITY, 'balancesheet', params);
    expect([newer?.['ann_date'], older?.['ann_date']]).toEqual(['20231211', '20231024']);
    const first = publishedAt(market, 'tushare.balancesheet', '20231024');
    const restated = publishedAt(market, 'tushare.balancesheet', '20231211');
    // Announced on day D, out at 21:00 in Shanghai on D + 1.
    expect([first, restated]).toEqual([
      Date.parse('2023-10-25T21:00:00+08:00'),
      Date.parse('2023-12-12T21:00:00+08:00'),
    ]);

    clock.now = first - 1000;
    expect(await ask('balancesheet', params)).toEqual([]);
    clock.now = first;
    expect(await ask('balancesheet', params)).toEqual([{ ...older, update_flag: '1' }]);
    clock.now = restated - 1000;
    const before = await ask('balancesheet', params);
    expect(before).toEqual([{ ...older, update_flag: '1' }]);
    expect(before).toEqual(truthAt(clock.now, 'balancesheet', params));
    clock.now = restated;
    const after = await ask('balancesheet', params);
    expect(after).toEqual([newer, older]);
    expect(after.map((r) => r['update_flag'])).toEqual(['1', '0']);
    expect(after).toEqual(truthAt(restated, 'balancesheet', params));
    const source = builtInCatalog().get('tushare.balancesheet');
    if (source === undefined) throw new Error('tushare.balancesheet');
    expect(storedTruth(market, source, params, { asOf: restated - 1000 })).toHaveLength(1);
    expect(storedTruth(market, source, params, { asOf: restated })).toEqual(
      storedTruth(market, source, params),
    );
  });

  it('serves fina_indicator on its own instants by the same rule', async () => {
    const { clock, ask } = await startOnClock();
    const params = { ts_code: '600003.SH', start_date: '20230930', end_date: '20230930' };
    const restated = publishedAt(market, 'tushare.fina_indicator', '20231211');
    clock.now = restated - 1000;
    expect(
      (await ask('fina_indicator', params)).map((r) => [r['ann_date'], r['update_flag']]),
    ).toEqual([['20231024', '1']]);
    clock.now = restated;
    expect(
      (await ask('fina_indicator', params)).map((r) => [r['ann_date'], r['update_flag']]),
    ).toEqual([
      ['20231211', '1'],
      ['20231024', '0'],
    ]);
  });

  it('selects a report type with report_type, and answers type 1 without it', async () => {
    const { clock, ask } = await startOnClock();
    clock.now = Date.parse('2024-12-31T00:00:00Z');
    const half = { ts_code: '600004.SH', period: '20230630' };
    const plain = await ask('income', half);
    expect(plain.map((r) => r['report_type'])).toEqual(['1']);
    expect(await ask('income', { ...half, report_type: '1' })).toEqual(plain);
    const types = await Promise.all(
      ['2', '6'].map((t) => ask('income', { ...half, report_type: t })),
    );
    expect(types.map((rows) => rows.map((r) => r['report_type']))).toEqual([['2'], ['6']]);
    // Same keys and dates, values of their own.
    for (const [row] of types) {
      expect([row?.['ann_date'], row?.['end_date'], row?.['update_flag']]).toEqual([
        plain[0]?.['ann_date'],
        '20230630',
        plain[0]?.['update_flag'],
      ]);
      expect(row?.['total_revenue']).not.toEqual(plain[0]?.['total_revenue']);
    }
    expect(await ask('cashflow', { ...half, report_type: '6' })).toEqual(
      truthAt(Number.POSITIVE_INFINITY, 'cashflow', { ...half, report_type: '6' }),
    );
    // No single-quarter report for Q1; an unknown type has no rows.
    const q1 = { ts_code: '600004.SH', period: '20230331' };
    expect(await ask('income', { ...q1, report_type: '2' })).toEqual([]);
    expect((await ask('income', { ...q1, report_type: '6' })).map((r) => r['report_type'])).toEqual(
      ['6'],
    );
    expect(await ask('income', { ...half, report_type: '3' })).toEqual([]);
    // fina_indicator has no report type, and ignores the parameter.
    const indicator = await ask('fina_indicator', { ts_code: '600004.SH', period: '20230630' });
    expect(
      await ask('fina_indicator', { ts_code: '600004.SH', period: '20230630', report_type: '2' }),
    ).toEqual(indicator);
    expect(Object.keys(indicator[0] ?? {})).not.toContain('report_type');
  });
});

describe('dsync-sandbox --now', () => {
  const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const firstLine = new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', resolve),
    );
    return { child, exit, firstLine, stderr: () => stderr };
  };
  const flags = [
    '--seed',
    'time',
    '--symbols',
    '40',
    '--start',
    '2023-01-01',
    '--end',
    '2024-06-30',
  ];

  it('starts the clock at the given instant', async () => {
    const at = publishedAt(market, 'tushare.daily', '2024-01-03');
    const count = async (now: number) => {
      const sandbox = run([...flags, '--now', new Date(now).toISOString()]);
      const { tushare } = JSON.parse(await sandbox.firstLine) as {
        tushare: { url: string; token: string };
      };
      const answer = await callTushare(tushare.url, {
        api_name: 'daily',
        token: tushare.token,
        params: { trade_date: '20240103' },
      });
      sandbox.child.kill('SIGTERM');
      expect(await sandbox.exit).toBe(0);
      return answer.data?.items.length;
    };
    expect(await count(at - MINUTE)).toBe(0);
    expect(await count(at)).toBe(34);
  });

  it('exits 2 naming --now on a bad time', async () => {
    for (const bad of ['yesterday', '2024-01-10', '2024-01-10T20:00:00', '2024-02-30T10:00:00Z']) {
      const sandbox = run(['--now', bad]);
      expect(await sandbox.exit).toBe(2);
      expect(sandbox.stderr()).toContain(`--now takes an ISO time with its zone`);
      expect(sandbox.stderr()).toContain(`got "${bad}"`);
    }
  });
});
