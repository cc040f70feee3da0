import assert from 'node:assert/strict';
import { defineDataSource, type DataSource, type RecordBatch, type Sink } from '@dsync/datasource';

/**
 * The `Sink` contract as runnable checks, for any adapter: dsync's own and yours. Each case
 * is a name and an async function that throws (node:assert) when the adapter breaks the
 * contract; wire them into your test runner:
 *
 *     for (const c of sinkContract(factory)) it(c.name, c.run);
 */
export interface ContractCase {
  readonly name: string;
  run(): Promise<void>;
}

/** What the suite needs of an adapter under test. */
export interface SinkUnderTest {
  readonly sink: Sink;
  /**
   * Every row the adapter holds for a source, as text: each value `String(value)`, nulls as
   * null, decimals without trailing zeros, dates `YYYY-MM-DD`. Order does not matter.
   */
  rows(source: DataSource): Promise<Record<string, string | null>[]>;
  /** Called after each case. */
  cleanup?(): Promise<void>;
}

/**
 * Compares as JSON: values from database drivers and from the caller may come from other
 * JavaScript realms (test runners' VM contexts), where a structural comparison of
 * prototypes would fail on equal data.
 */
export function same(actual: unknown, expected: unknown): void {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

/** The source every case writes: a Tushare-shaped daily table. */
export const CONTRACT_SOURCE: DataSource = defineDataSource({
  id: 'contract.bars',
  provider: 'tushare',
  api: 'daily',
  fields: [
    { name: 'ts_code', type: 'string', nullable: false },
    { name: 'trade_date', type: 'date', nullable: false },
    { name: 'close', type: 'decimal', precision: 20, scale: 4 },
    { name: 'vol', type: 'int' },
  ],
  primaryKey: ['ts_code', 'trade_date'],
});

const COLUMNS = ['ts_code', 'trade_date', 'close', 'vol'];

const batch = (argsKey: string, page: number, rows: unknown[][]): RecordBatch => ({
  sourceId: CONTRACT_SOURCE.id,
  argsKey,
  page,
  columns: COLUMNS,
  rows,
  schemaVersion: 1,
  fetchedAt: '2024-01-02T10:00:00.000Z',
  window: { start: '2024-01-02', end: '2024-01-02' },
});

type ContractRow = [code: string, date: string, close: string, vol: number | null];

const expected = (rows: readonly ContractRow[]) =>
  rows.map(([code, date, close, vol]) => ({
    ts_code: code,
    trade_date: date.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3'),
    close,
    vol: vol === null ? null : String(vol),
  }));

const sorted = (rows: Record<string, string | null>[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const PAGE_0: ContractRow[] = [
  ['000001.SZ', '20240102', '9.5', 1000],
  ['600000.SH', '20240102', '7.25', null],
];
const PAGE_1: ContractRow[] = [['600519.SH', '20240102', '1700.1', 300]];

/** The cases of the `Sink` contract over an adapter made fresh for each case. */
export function sinkContract(make: () => Promise<SinkUnderTest>): ContractCase[] {
  const withAdapter = (name: string, body: (t: SinkUnderTest) => Promise<void>): ContractCase => ({
    name,
    async run() {
      const t = await make();
      try {
        await t.sink.ready();
        await body(t);
      } finally {
        await t.sink.close().catch(() => undefined);
        await t.cleanup?.();
      }
    },
  });

  return [
    withAdapter('stores a batch: every row, every value', async (t) => {
      await t.sink.write(batch('daily?trade_date=20240102', 0, PAGE_0), CONTRACT_SOURCE);
      same(sorted(await t.rows(CONTRACT_SOURCE)), sorted(expected(PAGE_0)));
    }),
    withAdapter('stores a redelivered batch once', async (t) => {
      const b = batch('daily?trade_date=20240102', 0, PAGE_0);
      await t.sink.write(b, CONTRACT_SOURCE);
      await t.sink.write(b, CONTRACT_SOURCE);
      same(sorted(await t.rows(CONTRACT_SOURCE)), sorted(expected(PAGE_0)));
    }),
    withAdapter('keeps every page of one request', async (t) => {
      await t.sink.write(batch('daily?trade_date=20240102', 0, PAGE_0), CONTRACT_SOURCE);
      await t.sink.write(batch('daily?trade_date=20240102', 1, PAGE_1), CONTRACT_SOURCE);
      same(sorted(await t.rows(CONTRACT_SOURCE)), sorted(expected([...PAGE_0, ...PAGE_1])));
    }),
    withAdapter('refuses a batch with a bad row whole, and keeps what it had', async (t) => {
      await t.sink.write(batch('daily?trade_date=20240102', 0, PAGE_0), CONTRACT_SOURCE);
      const bad = batch('daily?trade_date=20240103', 0, [
        ['000002.SZ', '20240103', '1.5', 1],
        ['000003.SZ', 'not a date', '2', 2],
      ]);
      await assert.rejects(t.sink.write(bad, CONTRACT_SOURCE));
      same(sorted(await t.rows(CONTRACT_SOURCE)), sorted(expected(PAGE_0)));
    }),
    withAdapter('is ready twice, and refuses writes after close', async (t) => {
      await t.sink.ready();
      await t.sink.close();
      await assert.rejects(
        t.sink.write(batch('daily?trade_date=20240102', 0, PAGE_0), CONTRACT_SOURCE),
      );
    }),
    withAdapter('never puts a password in its name', (t) => {
      assert.doesNotMatch(
        t.sink.name,
        /:[^:/@*]+@/,
        `sink name "${t.sink.name}" looks like it holds a password`,
      );
      return Promise.resolve();
    }),
  ];
}

/** Turns stored values into the contract's text form. */
export function contractText(row: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined || value === '') out[key] = null;
    else if (value instanceof Date) out[key] = value.toISOString().slice(0, 10);
    else {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      out[key] = /^-?\d+\.\d*0+$/.test(text) ? text.replace(/\.?0+$/, '') : text;
    }
  }
  return out;
}
