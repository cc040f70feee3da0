import { describe, expect, it } from '@jest/globals';
import { generateArgs } from '../src/index.js';
import { catalog, collect, context, keys, variant } from './fixtures.js';

const daily = catalog('tushare.daily');

describe('generateArgs: trade calendar', () => {
  it('asks once per open day from since to until, skipping holidays and weekends', async () => {
    const args = await collect(
      generateArgs(daily, context(), { since: '2024-01-01', until: '2024-01-10' }),
    );
    expect(keys(args)).toEqual(
      ['20240102', '20240103', '20240104', '20240105', '20240108', '20240109', '20240110'].map(
        (d) => `daily?limit=6000&trade_date=${d}`,
      ),
    );
    expect(args[0]).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      params: { trade_date: '20240102', limit: 6000 },
      key: 'daily?limit=6000&trade_date=20240102',
      window: { start: '2024-01-02', end: '2024-01-02' },
      // The next open day's publication.by, 20:00 in Shanghai: corrections come until then.
      settles: '2024-01-03T12:00:00.000Z',
    });
  });

  it('resumes after the cursor', async () => {
    const args = await collect(
      generateArgs(daily, context(), { state: { cursor: '2024-01-08' }, until: '2024-01-12' }),
    );
    expect(args.map((a) => a.params['trade_date'])).toEqual([
      '20240109',
      '20240110',
      '20240111',
      '20240112',
    ]);
  });

  it('yields nothing when the cursor has reached until', async () => {
    expect(
      await collect(
        generateArgs(daily, context(), { state: { cursor: '2024-01-12' }, until: '2024-01-12' }),
      ),
    ).toEqual([]);
  });

  it('stops at the latest published day: today from 15:00 in Shanghai (publication.from), yesterday before', async () => {
    const state = { cursor: '2024-01-08' };
    const before = await collect(
      generateArgs(daily, context(), { state, now: new Date('2024-01-10T06:59:00Z') }),
    );
    expect(before.map((a) => a.params['trade_date'])).toEqual(['20240109']);
    const after = await collect(
      generateArgs(daily, context(), { state, now: new Date('2024-01-10T07:00:00Z') }),
    );
    expect(after.map((a) => a.params['trade_date'])).toEqual(['20240109', '20240110']);
  });
});

describe('generateArgs: date windows', () => {
  it('cuts the range into windows of the definition’s size, dates as the provider writes them', async () => {
    const calendar = catalog('tushare.trade_cal');
    const args = await collect(generateArgs(calendar, context(), { until: '2024-01-10' }));
    expect(args.map((a) => [a.params['start_date'], a.params['end_date']])).toEqual([
      ['19901219', '20001215'],
      ['20001216', '20101213'],
      ['20101214', '20201210'],
      ['20201211', '20240110'],
    ]);
    expect(args[0]?.params).toEqual({
      exchange: 'SSE',
      start_date: '19901219',
      end_date: '20001215',
      limit: 6000,
    });
  });

  it('sizes windows from rowsPerDay under the row cap: one day for a full-market NDL table', async () => {
    const sep = catalog('ndl.SHARADAR.SEP');
    const args = await collect(
      generateArgs(sep, context(), { since: '2024-01-01', until: '2024-01-03' }),
    );
    expect(args.map((a) => a.params)).toEqual([
      { 'date.gte': '2024-01-01', 'date.lte': '2024-01-01', 'qopts.per_page': 10000 },
      { 'date.gte': '2024-01-02', 'date.lte': '2024-01-02', 'qopts.per_page': 10000 },
      { 'date.gte': '2024-01-03', 'date.lte': '2024-01-03', 'qopts.per_page': 10000 },
    ]);
  });
});

describe('generateArgs: snapshots', () => {
  it('asks once per enumerated value, keyed by the day the snapshot is taken', async () => {
    const args = await collect(
      generateArgs(catalog('tushare.stock_basic'), context(), { until: '2024-01-10' }),
    );
    expect(keys(args)).toEqual([
      'stock_basic?limit=6000&list_status=L@2024-01-10',
      'stock_basic?limit=6000&list_status=D@2024-01-10',
      'stock_basic?limit=6000&list_status=P@2024-01-10',
    ]);
    expect(args[0]?.asOf).toBe('2024-01-10');
  });
});

describe('generateArgs: fan-out', () => {
  it('asks each key for each report period ended in the range, within the key’s listed dates', async () => {
    const consolidated = variant('tushare.income', {
      params: {
        ts_code: { kind: 'input', required: true },
        period: { kind: 'input' },
        report_type: { kind: 'each', values: ['1'] },
      },
    });
    const args = await collect(
      generateArgs(consolidated, context(), { since: '2022-01-01', until: '2024-01-10' }),
    );
    const periods = [
      '20220331',
      '20220630',
      '20220930',
      '20221231',
      '20230331',
      '20230630',
      '20230930',
      '20231231',
    ];
    expect(args.map((a) => `${a.params['ts_code']} ${a.params['period']}`)).toEqual([
      // keys in key order; 000001.SZ delisted 2023-06-01: no period from then on
      ...periods.slice(0, 5).map((p) => `000001.SZ ${p}`),
      // 300999.SZ listed 2024-01-09: no period ended since
      ...periods.map((p) => `600000.SH ${p}`),
    ]);
    expect(args[0]?.key).toBe('income?limit=6000&period=20220331&report_type=1&ts_code=000001.SZ');
    // A period settles three months after its deadline's filings are out (21:00 Shanghai, a day later).
    expect(args[0]?.settles).toBe('2022-08-01T13:00:00.000Z');
    expect(args.at(-1)?.settles).toBe('2024-08-01T13:00:00.000Z');
  });

  it('asks every report type the statement documents, one request each', async () => {
    const args = await collect(
      generateArgs(catalog('tushare.income'), context(), {
        since: '2023-03-01',
        until: '2023-04-10',
      }),
    );
    // 000001.SZ and 600000.SH listed for 2023-03-31; 300999.SZ not yet.
    expect(args.map((a) => `${a.params['ts_code']} ${a.params['report_type']}`)).toEqual(
      ['000001.SZ', '600000.SH'].flatMap((code) =>
        Array.from({ length: 12 }, (_, i) => `${code} ${i + 1}`),
      ),
    );
  });

  it('composes keys with date windows, each window within the key’s listed days', async () => {
    const indexDaily = variant('tushare.index_daily', {
      args: {
        kind: 'fan-out',
        param: 'ts_code',
        keys: {
          source: 'tushare.stock_basic',
          field: 'ts_code',
          listedFrom: 'list_date',
          listedUntil: 'delist_date',
        },
        each: {
          kind: 'date-window',
          startParam: 'start_date',
          endParam: 'end_date',
          windowDays: 400,
        },
      },
    });
    const args = await collect(
      generateArgs(indexDaily, context(), { since: '2023-01-01', until: '2024-01-10' }),
    );
    expect(
      args.map((a) => [a.params['ts_code'], a.params['start_date'], a.params['end_date']]),
    ).toEqual([
      ['000001.SZ', '20230101', '20230531'],
      ['300999.SZ', '20240109', '20240110'],
      ['600000.SH', '20230101', '20240110'],
    ]);
  });

  it('composes keys with trade days', async () => {
    const perStock = variant('tushare.daily', {
      params: { ts_code: { kind: 'input', required: true } },
      args: {
        kind: 'fan-out',
        param: 'ts_code',
        keys: {
          source: 'tushare.stock_basic',
          field: 'ts_code',
          listedFrom: 'list_date',
          listedUntil: 'delist_date',
        },
        each: { kind: 'trade-calendar', param: 'trade_date' },
      },
    });
    const args = await collect(
      generateArgs(perStock, context(), { since: '2024-01-08', until: '2024-01-10' }),
    );
    expect(args.map((a) => `${a.params['ts_code']} ${a.params['trade_date']}`)).toEqual([
      '300999.SZ 20240109',
      '300999.SZ 20240110',
      '600000.SH 20240108',
      '600000.SH 20240109',
      '600000.SH 20240110',
    ]);
  });
});

describe('generateArgs: parameters', () => {
  it('fills templates from the other parameters and takes input values from the caller', async () => {
    const source = variant('tushare.daily', {
      params: {
        end_date: { kind: 'template', template: '{trade_date}' },
        adj: { kind: 'input' },
      },
    });
    const [first] = await collect(
      generateArgs(source, context(), {
        since: '2024-01-02',
        until: '2024-01-02',
        params: { adj: 'qfq' },
      }),
    );
    expect(first?.params).toEqual({
      trade_date: '20240102',
      end_date: '20240102',
      adj: 'qfq',
      limit: 6000,
    });
  });
});
