import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { DataSourceRegistry, type DataSource, type RecordBatch } from '@dsync/datasource';
import { createStorage, NeedsMigrationError, type KnexStorage } from '../src/index.js';
import { DIALECTS, freshDatabase, type TestDatabase } from './databases.js';

jest.setTimeout(60_000);

let database: TestDatabase | undefined;
let storage: KnexStorage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
  await database?.drop();
  database = undefined;
});

const daily = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');

/** tushare.daily as dsync 0.1 defined it: prices decimal(20,4), amounts decimal(24,4). */
const dailyOf01: DataSource = {
  ...daily,
  fields: daily.fields.map((f) =>
    f.type !== 'float' || f.name === 'pct_chg'
      ? f
      : {
          ...f,
          type: 'decimal',
          precision: ['vol', 'amount'].includes(f.name) ? 24 : 20,
          scale: 4,
        },
  ),
};

const columns = daily.fields.map((f) => f.name);
/** Values as the provider sends them: float tails, more places than 4, a null. */
const served = [
  [
    '000001.SZ',
    '20240102',
    9.99,
    10.5,
    9.8,
    10.39,
    9.99,
    0.40000000000000036,
    4.004,
    1000.5,
    6.90554,
  ],
  [
    '000002.SZ',
    '20240102',
    65.48,
    66,
    64.1,
    65.48,
    64.9,
    0.5799999999999983,
    0.8937,
    2e3,
    13094.12345,
  ],
  ['000003.SZ', '20240102', 10.01, 10.02, 9.9, 10.01, null, null, null, 12.25, 0.5],
];
const batch = (rows: unknown[][], key = 'daily?trade_date=20240102'): RecordBatch => ({
  sourceId: 'tushare.daily',
  argsKey: key,
  page: 0,
  columns,
  rows,
  schemaVersion: daily.schemaVersion,
  fetchedAt: '2024-01-02T12:00:00.000Z',
});

describe.each(DIALECTS)('numbers stored by dsync 0.1, on %s', (dialect) => {
  it('are refused until migrated, then are doubles in place with every row and value kept', async () => {
    database = await freshDatabase(dialect);
    storage = createStorage({ url: database.url });
    await storage.ready();
    // As 0.1 stored them: rounded to 4 places, as exact decimals (TEXT on SQLite).
    await storage.write(batch(served), dailyOf01);
    const before = await storage.readRows(dailyOf01);
    expect(before.map((r) => r['amount'])).toEqual(['6.9055', '13094.1235', '0.5']);
    expect(before.map((r) => r['close'])).toEqual(['10.39', '65.48', '10.01']);

    const refusal = storage.check([daily]);
    await expect(refusal).rejects.toBeInstanceOf(NeedsMigrationError);
    await expect(refusal).rejects.toMatchObject({ code: 'E_NEEDS_MIGRATION' });
    await expect(refusal).rejects.toThrow(/Run "dsync migrate"/);
    // Nothing written as mixed types: a write through the new definition is refused too.
    const again = createStorage({ url: database.url });
    await expect(again.write(batch(served), daily)).rejects.toMatchObject({
      code: 'E_NEEDS_MIGRATION',
    });
    await again.close();

    const numbers = ['open', 'high', 'low', 'close', 'pre_close', 'change', 'vol', 'amount'];
    const dry = await storage.migrate([daily], { dryRun: true });
    expect(dry.map((m) => [m.table, m.rows, m.columns.map((c) => c.column)])).toEqual([
      ['tushare_daily', 3, numbers],
    ]);
    await expect(storage.check([daily])).rejects.toBeInstanceOf(NeedsMigrationError);

    const progress: string[] = [];
    const done = await storage.migrate([daily], {
      onProgress: (p) =>
        progress.push(`${p.index}/${p.total} ${p.table} ${p.ms === undefined ? 'start' : 'done'}`),
    });
    expect(done).toEqual(dry);
    expect(progress).toEqual(['1/1 tushare_daily start', '1/1 tushare_daily done']);
    await storage.check([daily]);
    expect(await storage.migrate([daily])).toEqual([]);

    // Every row and value kept, now numbers: the stored decimals read as doubles.
    const after = await storage.readRows(daily);
    expect(after).toEqual(
      before.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            numbers.includes(k) && v !== null ? Number(v) : v,
          ]),
        ),
      ),
    );
    // SQL computes with them: 65.48 is the largest close, not '10.39' as text would have it.
    const [max] = await storage.knex('tushare_daily').max<{ m: number }[]>({ m: 'close' });
    expect(Number(max?.m)).toBe(65.48);
    const [over] = await storage
      .knex('tushare_daily')
      .where('close', '>', 10)
      .count<{ n: number }[]>({ n: '*' });
    expect(Number(over?.n)).toBe(3);

    // New writes keep what the provider sent, unrounded.
    await storage.write(batch(served, 'daily?trade_date=20240102#again'), daily);
    const rewritten = await storage.readRows(daily);
    expect(rewritten.map((r) => [r['change'], r['amount']])).toEqual([
      [0.40000000000000036, 6.90554],
      [0.5799999999999983, 13094.12345],
      [null, 0.5],
    ]);
  });
});
