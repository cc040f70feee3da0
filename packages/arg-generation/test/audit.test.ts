import { describe, expect, it } from '@jest/globals';
import { auditReport, gapArgs } from '../src/index.js';
import { catalog, collect, context, JANUARY_OPEN } from './fixtures.js';

const DAYS = JANUARY_OPEN; // 2024-01-02 .. 2024-01-12, nine open days

describe('gap audit of a market-wide daily table', () => {
  // Stored: 600000.SH every day but the 5th; 300999.SZ (listed the 9th) only on the 9th and 12th;
  // a stray row of 000001.SZ, delisted in 2023, which the grid does not expect.
  const cells = [
    ...DAYS.filter((d) => d !== '2024-01-05').map((date) => ({ date, key: '600000.SH' })),
    { date: '2024-01-09', key: '300999.SZ' },
    { date: '2024-01-12', key: '300999.SZ' },
    { date: '2024-01-03', key: '000001.SZ' },
  ];
  const ctx = () => context({ cells: { 'tushare.daily': cells } });
  const range = { since: '2024-01-02', until: '2024-01-12' };

  it('reports the expected grid, what is stored, and each hole with its keys', async () => {
    expect(await auditReport(catalog('tushare.daily'), ctx(), range)).toEqual({
      sourceId: 'tushare.daily',
      range: { start: '2024-01-02', end: '2024-01-12' },
      expected: 13,
      stored: 10,
      missing: 3,
      holes: [
        { date: '2024-01-05', missing: 1, keys: ['600000.SH'] },
        { date: '2024-01-10', missing: 1, keys: ['300999.SZ'] },
        { date: '2024-01-11', missing: 1, keys: ['300999.SZ'] },
      ],
    });
  });

  it('asks again for each day with a hole, whole', async () => {
    const args = await collect(gapArgs(catalog('tushare.daily'), ctx(), range));
    expect(args.map((a) => a.key)).toEqual([
      'daily?limit=6000&trade_date=20240105',
      'daily?limit=6000&trade_date=20240110',
      'daily?limit=6000&trade_date=20240111',
    ]);
    expect(args[0]?.window).toEqual({ start: '2024-01-05', end: '2024-01-05' });
  });

  it('finds nothing missing in a complete table', async () => {
    const complete = DAYS.flatMap((date) => [
      { date, key: '600000.SH' },
      ...(date >= '2024-01-09' ? [{ date, key: '300999.SZ' }] : []),
    ]);
    const report = await auditReport(
      catalog('tushare.daily'),
      context({ cells: { 'tushare.daily': complete } }),
      range,
    );
    expect([report.expected, report.missing, report.holes]).toEqual([13, 0, []]);
    expect(
      await collect(
        gapArgs(catalog('tushare.daily'), context({ cells: { 'tushare.daily': complete } }), range),
      ),
    ).toEqual([]);
  });
});

describe('gap audit of statements, per symbol and period', () => {
  // Ended between 2023-01-01 and 2024-01-10 with their deadline passed: 2023-03-31, 2023-06-30,
  // 2023-09-30 (2023-12-31 is due by 2024-04-30).
  const cells = [
    { date: '2022-12-31', key: '000001.SZ' },
    { date: '2022-12-31', key: '600000.SH' },
    { date: '2023-06-30', key: '600000.SH' },
  ];
  const ctx = () => context({ cells: { 'tushare.income': cells } });
  const range = { since: '2023-01-01', until: '2024-01-10' };

  it('expects each listed key for each period due, and asks for exactly the missing pairs', async () => {
    const report = await auditReport(catalog('tushare.income'), ctx(), range);
    // 000001.SZ delisted 2023-06-01: expected for 2023-03-31 only.
    expect([report.expected, report.stored, report.missing]).toEqual([4, 1, 3]);
    expect(report.holes).toEqual([
      { date: '2023-03-31', missing: 2, keys: ['000001.SZ', '600000.SH'] },
      { date: '2023-09-30', missing: 1, keys: ['600000.SH'] },
    ]);
    const args = await collect(gapArgs(catalog('tushare.income'), ctx(), range));
    // Each missing pair, in every report type (1 to 12) the source asks for.
    const types = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const ask = (period: string, code: string) =>
      types.map((t) => `income?limit=6000&period=${period}&report_type=${t}&ts_code=${code}`);
    expect(args.map((a) => a.key)).toEqual([
      ...ask('20230331', '000001.SZ'),
      ...ask('20230331', '600000.SH'),
      ...ask('20230930', '600000.SH'),
    ]);
  });
});

describe('gap audit: sources without a grid', () => {
  it('says why a source cannot be audited', async () => {
    await expect(
      auditReport(catalog('tushare.trade_cal'), context(), { until: '2024-01-10' }),
    ).rejects.toThrow(
      'Cannot generate requests for "tushare.trade_cal": it cannot be audited: its definition has no coverage (which date and key fields a complete table fills)',
    );
  });
});

describe('gap audit of an NDL table on the NYSE calendar', () => {
  // Stored: every open day of the first half of July 2024 but the 10th; July 4 is a holiday.
  const open = ['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05', '2024-07-08'];
  const stored = [...open, '2024-07-09', '2024-07-11', '2024-07-12'].map((date) => ({ date }));
  const ctx = () => context({ cells: { 'ndl.SHARADAR.SEP': stored } });
  const range = { since: '2024-07-01', until: '2024-07-12' };

  it('expects a row on every NYSE open day, so a skipped day is a hole and a holiday is not', async () => {
    const report = await auditReport(catalog('ndl.SHARADAR.SEP'), ctx(), range);
    expect([report.expected, report.stored, report.missing]).toEqual([9, 8, 1]);
    expect(report.holes).toEqual([{ date: '2024-07-10', missing: 1, keys: [] }]);
  });

  it('asks for a hole as a one-day window', async () => {
    const args = await collect(gapArgs(catalog('ndl.SHARADAR.SEP'), ctx(), range));
    expect(args.map((a) => a.params)).toEqual([
      { 'date.gte': '2024-07-10', 'date.lte': '2024-07-10', 'qopts.per_page': 10000 },
    ]);
    expect(args[0]?.window).toEqual({ start: '2024-07-10', end: '2024-07-10' });
  });
});
