import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DataSourceRegistry, type Sink } from '@dsync/datasource';
import type { Market } from '@dsync/sandbox';
import {
  createFileSink,
  createStorage,
  type FileFormat,
  type FileSink,
  type KnexStorage,
} from '@dsync/storage-adapters';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import {
  answers,
  decimals,
  expectClose,
  fetchMonth,
  isoDate,
  MONTH,
  newMarket,
  NUMBERS,
  servedBars,
  tellingBars,
  type Answers,
  type ServedBar,
} from './analyst.js';

/**
 * Issue 18, point 3, in files: a month of daily bars fetched from the sandbox by the real
 * controller into the file sink in each format, read back as a user would (a CSV parser,
 * `JSON.parse` per line, a Parquet reader), and compared with the sandbox's own answers. The
 * sandbox sends long float tails (`change`) and 5-decimal amounts: none may change.
 */

jest.setTimeout(60_000);

const FORMATS: readonly FileFormat[] = ['csv', 'jsonl', 'parquet'];

/** Every file under a folder, recursively, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * RFC 4180 CSV: records of comma-separated fields, a field quoted with `"` when it holds a
 * comma, a quote or a line break, a quote inside doubled. (No CSV parser is installed in the
 * workspace; this one reads any file csv-stringify writes.)
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** A cell of a file as read: the reader's own value, and the text it came from (CSV only). */
interface ReadCell {
  readonly value: unknown;
  readonly text?: string;
}
type ReadRow = Record<string, ReadCell>;

/** Each format's reader, as a user would read the files. Dates come back as `YYYY-MM-DD`. */
const READERS: Record<FileFormat, (path: string) => Promise<ReadRow[]>> = {
  async csv(path) {
    const [header = [], ...records] = parseCsv(await readFile(path, 'utf8'));
    return records.map((record) =>
      Object.fromEntries(
        header.map((name, i) => {
          const text = record[i] ?? '';
          const numeric = (NUMBERS as readonly string[]).includes(name);
          return [name, numeric ? { value: Number(text), text } : { value: text }];
        }),
      ),
    );
  },
  async jsonl(path) {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const row = JSON.parse(line) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, { value: v }]));
      });
  },
  async parquet(path) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [
          k,
          { value: v instanceof Date ? v.toISOString().slice(0, 10) : (v as unknown) },
        ]),
      ),
    );
  },
};

describe.each(FORMATS)('an analyst reading tushare_daily from %s files', (format) => {
  let dir: string;
  let storage: KnexStorage;
  let files: FileSink;
  let market: Market;
  let bars: ServedBar[];
  let expected: Answers;
  let paths: string[];
  let rows: ReadRow[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `dsync-analyst-${format}-`));
    // As `storage: { files, format }` runs: the ledger and the calendar in the database, the
    // sources' rows in files (the calendar in both, since arg generation reads it back).
    storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
    await storage.ready();
    files = createFileSink({ root: join(dir, 'data'), format });
    const readBack = new Set(
      DataSourceRegistry.load(['tushare.daily']).dependenciesOf('tushare.daily'),
    );
    const sink: Sink = {
      name: files.name,
      ready: async () => {
        await storage.ready();
        await files.ready();
      },
      async write(batch, source) {
        if (readBack.has(source.id)) await storage.write(batch, source);
        await files.write(batch, source);
      },
      close: () => files.close(),
    };
    market = newMarket();
    bars = servedBars(market);
    expected = answers(bars);
    await fetchMonth(market, storage, sink);
    await files.close();
    paths = await filesUnder(join(dir, 'data', 'tushare_daily'));
    rows = (await Promise.all(paths.map((path) => READERS[format](path)))).flat();
  });
  afterAll(async () => {
    await storage?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** The rows read back as served bars: numbers as the reader gave them. */
  const asBars = (): ServedBar[] =>
    rows.map((row) => {
      const bar: Record<string, unknown> = {
        ts_code: row.ts_code?.value,
        trade_date: String(row.trade_date?.value).replaceAll('-', ''),
      };
      for (const name of NUMBERS) bar[name] = row[name]?.value;
      return bar as ServedBar;
    });

  it('wrote one file per trade date, every bar once', () => {
    const openDays = market.openDays(MONTH.since, MONTH.until).length;
    expect(paths).toHaveLength(openDays);
    expect(paths.every((p) => p.endsWith(`.${format}`))).toBe(true);
    expect(rows).toHaveLength(bars.length);
    const keys = new Set(
      rows.map((r) => `${String(r.ts_code?.value)} ${String(r.trade_date?.value)}`),
    );
    expect(keys.size).toBe(bars.length);
  });

  it('keeps every number of every row exactly', () => {
    const read = new Map(
      rows.map((r) => [`${String(r.ts_code?.value)} ${String(r.trade_date?.value)}`, r]),
    );
    const changed: string[] = [];
    for (const bar of bars) {
      const row = read.get(`${bar.ts_code} ${isoDate(bar.trade_date)}`);
      expect(row).toBeDefined();
      for (const name of NUMBERS) {
        const cell = row?.[name];
        const value = cell?.value;
        // CSV: the text is how JavaScript prints the double, and reads back to it.
        if (
          typeof value !== 'number' ||
          value !== bar[name] ||
          (format === 'csv' && cell?.text !== String(bar[name]))
        )
          changed.push(
            `${bar.ts_code} ${bar.trade_date} ${name}: ${bar[name]} → ${String(cell?.text ?? value)}`,
          );
      }
    }
    expect(changed).toEqual([]);
  });

  it('keeps the float tails and the 5-decimal amounts', () => {
    const read = asBars();
    const byKey = new Map(read.map((b) => [`${b.ts_code} ${b.trade_date}`, b]));
    for (const bar of tellingBars(bars, 20)) {
      const got = byKey.get(`${bar.ts_code} ${bar.trade_date}`);
      expect([bar.ts_code, bar.trade_date, got?.change, got?.amount]).toEqual([
        bar.ts_code,
        bar.trade_date,
        bar.change,
        bar.amount,
      ]);
    }
    expect(read.filter((b) => decimals(b.change) > 10).length).toBe(
      bars.filter((b) => decimals(b.change) > 10).length,
    );
    expect(read.filter((b) => decimals(b.amount) === 5).length).toBe(
      bars.filter((b) => decimals(b.amount) === 5).length,
    );
  });

  it('answers max, min, avg, a count over a threshold, an order by close and a sum as the sandbox does', () => {
    const got = answers(asBars());
    expect(got.count).toBe(expected.count);
    expect(got.maxClose).toBe(expected.maxClose);
    expect(got.minClose).toBe(expected.minClose);
    expect(got.maxChange).toBe(expected.maxChange);
    expect(got.minChange).toBe(expected.minChange);
    expect(got.threshold).toBe(expected.threshold);
    expect(got.above).toBe(expected.above);
    expect(got.top5).toEqual(expected.top5);
    expectClose(got.avgClose, expected.avgClose);
    expectClose(got.sumAmount, expected.sumAmount);
  });

  if (format === 'parquet') {
    it('types the numbers DOUBLE in every file', async () => {
      for (const path of paths) {
        const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
        const types = Object.fromEntries(metadata.schema.map((e) => [e.name, e.type]));
        expect(NUMBERS.map((n) => [n, types[n]])).toEqual(NUMBERS.map((n) => [n, 'DOUBLE']));
      }
    });
  }
});
