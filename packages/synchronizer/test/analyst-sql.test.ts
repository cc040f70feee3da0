import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Market } from '@dsync/sandbox';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import {
  answers,
  DIALECTS,
  expectClose,
  fetchMonth,
  freshDatabase,
  isoDate,
  newMarket,
  NUMBERS,
  servedBars,
  tellingBars,
  type Answers,
  type Dialect,
  type ServedBar,
  type TestDatabase,
} from './analyst.js';

/**
 * Issue 18, point 3, in SQL: a month of daily bars fetched from the sandbox by the real
 * controller into each dialect, then queried as an analyst would, with plain SQL through the
 * storage's Knex, and compared with the sandbox's own answers computed in JavaScript. The
 * sandbox sends long float tails (`change`) and 5-decimal amounts: none may change.
 */

jest.setTimeout(60_000);

/** The rows of a raw query, whatever the driver wraps them in. */
function rowsOf(dialect: Dialect, result: unknown): Record<string, unknown>[] {
  if (dialect === 'postgres') return (result as { rows: Record<string, unknown>[] }).rows;
  if (dialect === 'mysql') return (result as Record<string, unknown>[][])[0] ?? [];
  return result as Record<string, unknown>[];
}

describe.each(DIALECTS)('an analyst querying tushare_daily on %s', (dialect) => {
  let db: TestDatabase;
  let storage: KnexStorage;
  let market: Market;
  let bars: ServedBar[];
  let expected: Answers;

  // `change` is a reserved word in MySQL: quote identifiers as that dialect's users do.
  const q = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const sql = async (text: string, bindings: readonly string[] = []) =>
    rowsOf(dialect, await storage.knex.raw(text, bindings));

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    storage = createStorage({ url: db.url });
    await storage.ready();
    market = newMarket();
    bars = servedBars(market);
    expected = answers(bars);
    await fetchMonth(market, storage, storage);
  });
  afterAll(async () => {
    await storage?.close();
    await db?.drop();
  });

  it('keeps the numbers as doubles', async () => {
    const columns = await storage.knex('tushare_daily').columnInfo();
    // SQLite reports the declared type: `float` has REAL affinity.
    const double = /^(float|real|double precision|double)$/;
    expect(NUMBERS.map((name) => [name, columns[name]?.type])).toEqual(
      NUMBERS.map((name) => [name, expect.stringMatching(double)]),
    );
    if (dialect === 'sqlite') {
      // What each cell holds: a REAL (an 8-byte double), never TEXT.
      const kinds = await sql(
        `SELECT DISTINCT ${NUMBERS.map((n) => `typeof(${q(n)}) AS ${n}`).join(', ')} FROM tushare_daily`,
      );
      expect(kinds).toEqual([Object.fromEntries(NUMBERS.map((n) => [n, 'real']))]);
    }
  });

  it('max, min and avg of close, and the extremes of change', async () => {
    const [row] = await sql(
      `SELECT max(close) AS max_close, min(close) AS min_close, avg(close) AS avg_close,
              max(${q('change')}) AS max_change, min(${q('change')}) AS min_change,
              count(*) AS n
         FROM tushare_daily`,
    );
    expect(Number(row?.max_close)).toBe(expected.maxClose);
    expect(Number(row?.min_close)).toBe(expected.minClose);
    expectClose(Number(row?.avg_close), expected.avgClose);
    expect(Number(row?.max_change)).toBe(expected.maxChange);
    expect(Number(row?.min_change)).toBe(expected.minChange);
    expect(Number(row?.n)).toBe(expected.count);
  });

  it('counts the bars whose close exceeds a threshold (strictly)', async () => {
    const [row] = await sql(
      `SELECT count(*) AS n FROM tushare_daily WHERE close > ${String(expected.threshold)}`,
    );
    expect(Number(row?.n)).toBe(expected.above);
  });

  it('orders by close', async () => {
    const rows = await sql(
      `SELECT ts_code, trade_date, close FROM tushare_daily
        ORDER BY close DESC, ts_code, trade_date LIMIT 5`,
    );
    expect(rows.map((r) => ({ ...r, close: Number(r.close) }))).toEqual(expected.top5);
  });

  it('sums amount', async () => {
    const [row] = await sql(`SELECT sum(amount) AS total FROM tushare_daily`);
    expectClose(Number(row?.total), expected.sumAmount);
  });

  it('reads back the float tails and the 5-decimal amounts exactly, row by row', async () => {
    for (const bar of tellingBars(bars, 20)) {
      const rows = await sql(
        `SELECT ${q('change')}, amount FROM tushare_daily WHERE ts_code = ? AND trade_date = ?`,
        [bar.ts_code, isoDate(bar.trade_date)],
      );
      expect(rows).toHaveLength(1);
      const [row] = rows;
      // As doubles, exactly: 19.189999999999998 must not come back as 19.19.
      expect([bar.ts_code, bar.trade_date, 'change', Number(row?.change)]).toEqual([
        bar.ts_code,
        bar.trade_date,
        'change',
        bar.change,
      ]);
      expect([bar.ts_code, bar.trade_date, 'amount', Number(row?.amount)]).toEqual([
        bar.ts_code,
        bar.trade_date,
        'amount',
        bar.amount,
      ]);
    }
  });

  it('changes no number of any row', async () => {
    const rows = await sql(
      `SELECT ts_code, trade_date, ${NUMBERS.map(q).join(', ')} FROM tushare_daily`,
    );
    expect(rows).toHaveLength(bars.length);
    const stored = new Map(rows.map((r) => [`${String(r.ts_code)} ${String(r.trade_date)}`, r]));
    const changed: string[] = [];
    for (const bar of bars) {
      const row = stored.get(`${bar.ts_code} ${isoDate(bar.trade_date)}`);
      expect(row).toBeDefined();
      for (const name of NUMBERS) {
        const value = row?.[name];
        if (typeof value !== 'number' || value !== bar[name])
          changed.push(`${bar.ts_code} ${bar.trade_date} ${name}: ${bar[name]} → ${String(value)}`);
      }
    }
    expect(changed).toEqual([]);
  });
});
