import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { defineDataSource, type RecordBatch } from '@dsync/datasource';
import { createFileSink } from '../src/files/index.js';
import { listFiles, removeDir, tempDir } from './services.js';

const daily = defineDataSource({
  id: 'tushare.daily',
  provider: 'tushare',
  api: 'daily',
  fields: [
    { name: 'ts_code', type: 'string', nullable: false },
    { name: 'trade_date', type: 'date', nullable: false },
    { name: 'open', type: 'decimal' },
    { name: 'close', type: 'decimal' },
    { name: 'vol', type: 'float' },
    { name: 'suspended', type: 'bool' },
  ],
  primaryKey: ['ts_code', 'trade_date'],
});

const COLUMNS = ['ts_code', 'trade_date', 'open', 'close', 'vol', 'suspended'];

const batch = (rows: unknown[][], extra: Partial<RecordBatch> = {}): RecordBatch => ({
  sourceId: 'tushare.daily',
  argsKey: 'daily?trade_date=20240102',
  page: 0,
  columns: COLUMNS,
  rows,
  schemaVersion: 1,
  fetchedAt: '2024-01-02T10:00:00.000Z',
  window: { start: '2024-01-02', end: '2024-01-02' },
  ...extra,
});

const ROWS = [
  ['000001.SZ', '20240102', 10.5, '10.62', 1158366.45, false],
  ['000002.SZ', '20240102', '9.00', 8.97, null, true],
];
const CSV = [
  'ts_code,trade_date,open,close,vol,suspended',
  '000001.SZ,2024-01-02,10.5,10.62,1158366.45,false',
  '000002.SZ,2024-01-02,9.00,8.97,,true',
  '',
].join('\n');

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);
const fileOf = (argsKey: string, page: number, ext = 'csv') => {
  const readable = `tushare.daily_${argsKey.replace(/[?&]/g, '_')}_p${page}`;
  return `${readable}.${hashOf(`tushare.daily|${argsKey}|${page}`)}.${ext}`;
};
const JAN2 = fileOf('daily?trade_date=20240102', 0);

let base: string;
let root: string;
beforeEach(async () => {
  base = await tempDir('dsync-file-sink-');
  root = join(base, 'data');
});
afterEach(() => removeDir(base));

describe('createFileSink (CSV)', () => {
  it('writes a header, then rows with ISO dates, exact decimals and empty nulls', async () => {
    const sink = createFileSink({ root });
    await sink.ready();
    await sink.write(batch(ROWS), daily);
    expect(await listFiles(root)).toEqual([`tushare_daily/2024-01/${JAN2}`]);
    expect(await readFile(join(root, 'tushare_daily', '2024-01', JAN2), 'utf8')).toBe(CSV);
  });

  it('names itself by format and absolute root, and resolves a relative root', () => {
    const sink = createFileSink({ root: 'relative/out', format: 'parquet' });
    expect(sink.root).toBe(join(process.cwd(), 'relative', 'out'));
    expect(sink.name).toBe(`files:parquet:${sink.root}`);
    expect(sink.format).toBe('parquet');
    expect(createFileSink({ root }).name).toBe(`files:csv:${root}`);
  });

  it('partitions by window month by default, and not at all without a window', async () => {
    const sink = createFileSink({ root });
    await sink.write(batch(ROWS), daily);
    const undated = batch(ROWS, { argsKey: 'daily?ts_code=000001.SZ', window: undefined });
    await sink.write(undated, daily);
    expect(await listFiles(root)).toEqual([
      `tushare_daily/2024-01/${JAN2}`,
      `tushare_daily/${fileOf('daily?ts_code=000001.SZ', 0)}`,
    ]);
    expect(sink.pathOf(batch(ROWS), daily)).toBe(join(root, 'tushare_daily', '2024-01', JAN2));
  });

  it('partitions by args key, by date (undated without a window) or not at all', async () => {
    const keyed = createFileSink({ root: join(root, 'key'), partition: 'key' });
    const dated = createFileSink({ root: join(root, 'date'), partition: 'date' });
    const flat = createFileSink({ root: join(root, 'none'), partition: 'none' });
    const feb = batch(ROWS, {
      argsKey: 'daily?end_date=20240301&start_date=20240226',
      window: { start: '2024-02-26', end: '2024-03-01' },
    });
    const undated = batch(ROWS, { window: undefined });
    for (const sink of [keyed, dated, flat]) {
      for (const b of [batch(ROWS), feb, undated]) await sink.write(b, daily);
    }
    const febFile = fileOf('daily?end_date=20240301&start_date=20240226', 0);
    expect(await listFiles(root)).toEqual([
      `date/tushare_daily/2024-01/${JAN2}`,
      `date/tushare_daily/2024-02/${febFile}`,
      `date/tushare_daily/undated/${JAN2}`,
      `key/tushare_daily/daily_end_date=20240301_start_date=20240226/${febFile}`,
      `key/tushare_daily/daily_trade_date=20240102/${JAN2}`,
      `none/tushare_daily/${febFile}`,
      `none/tushare_daily/${JAN2}`,
    ]);
  });

  it('replaces a redelivered batch, not doubling rows; a later page has its own file', async () => {
    const sink = createFileSink({ root });
    await sink.write(batch(ROWS), daily);
    await sink.write(batch(ROWS), daily);
    expect(await listFiles(root)).toEqual([`tushare_daily/2024-01/${JAN2}`]);
    expect(await readFile(join(root, 'tushare_daily/2024-01', JAN2), 'utf8')).toBe(CSV);

    await sink.write(
      batch([['600000.SH', '20240102', '7.1', '7.2', 10, false]], { page: 1 }),
      daily,
    );
    const page1 = fileOf('daily?trade_date=20240102', 1);
    expect(await listFiles(root)).toEqual([
      `tushare_daily/2024-01/${JAN2}`,
      `tushare_daily/2024-01/${page1}`,
    ]);
    expect(await readFile(join(root, 'tushare_daily/2024-01', page1), 'utf8')).toBe(
      'ts_code,trade_date,open,close,vol,suspended\n600000.SH,2024-01-02,7.1,7.2,10,false\n',
    );
    // Redelivery is harmless, not just in order: writing the page again leaves page 0 as it was.
    await sink.write(batch(ROWS), daily);
    expect(await readFile(join(root, 'tushare_daily/2024-01', JAN2), 'utf8')).toBe(CSV);
  });

  it('replaces a file with the header alone when the task answers no rows any more', async () => {
    const sink = createFileSink({ root });
    await sink.write(batch(ROWS), daily);
    await sink.write(batch([]), daily);
    expect(await listFiles(root)).toEqual([`tushare_daily/2024-01/${JAN2}`]);
    expect(await readFile(join(root, 'tushare_daily/2024-01', JAN2), 'utf8')).toBe(
      'ts_code,trade_date,open,close,vol,suspended\n',
    );
  });

  it('writes nothing, not even a temp file, for a bad date or a missing key', async () => {
    const sink = createFileSink({ root });
    await sink.write(batch(ROWS), daily);
    const bad = [
      batch([...ROWS, ['000003.SZ', '20240231', 1, 1, 1, false]], { argsKey: 'daily?x=1' }),
      batch([...ROWS, [null, '20240102', 1, 1, 1, false]], { argsKey: 'daily?x=2' }),
      batch([['000001.SZ', '20240231', 1, 1, 1, false]]),
    ];
    for (const rejected of bad) {
      await expect(sink.write(rejected, daily)).rejects.toMatchObject({ code: 'E_BAD_ROW' });
    }
    expect(await listFiles(base)).toEqual([`data/tushare_daily/2024-01/${JAN2}`]);
    expect(await readFile(join(root, 'tushare_daily/2024-01', JAN2), 'utf8')).toBe(CSV);
  });

  it('creates the root in ready, idempotently, and writes without ready too', async () => {
    const sink = createFileSink({ root });
    await sink.ready();
    await sink.ready();
    expect(await readdir(root)).toEqual([]);
    const other = createFileSink({ root: join(base, 'deep', 'er') });
    await other.write(batch(ROWS), daily);
    expect(await listFiles(base)).toEqual([`deep/er/tushare_daily/2024-01/${JAN2}`]);
  });

  it('lets a started write land on close, then rejects writes with E_SINK_CLOSED', async () => {
    const sink = createFileSink({ root });
    const started = sink.write(batch(ROWS), daily);
    await sink.close();
    await started;
    expect(await listFiles(root)).toEqual([`tushare_daily/2024-01/${JAN2}`]);
    await expect(sink.write(batch(ROWS, { page: 1 }), daily)).rejects.toMatchObject({
      code: 'E_SINK_CLOSED',
    });
    await expect(sink.ready()).rejects.toMatchObject({ code: 'E_SINK_CLOSED' });
    expect(await listFiles(root)).toEqual([`tushare_daily/2024-01/${JAN2}`]);
  });

  it('reports a filesystem failure as E_STORAGE naming the sink', async () => {
    await writeFile(join(base, 'taken'), 'not a folder');
    const sink = createFileSink({ root: join(base, 'taken') });
    await expect(sink.ready()).rejects.toMatchObject({ code: 'E_STORAGE', target: sink.name });
    await expect(sink.write(batch(ROWS), daily)).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(await listFiles(base)).toEqual(['taken']);
  });

  it('removes its temp file when the rename into place fails', async () => {
    const sink = createFileSink({ root });
    // A folder in the way of the final name makes the rename, the last step, fail.
    const target = sink.pathOf(batch(ROWS), daily);
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'keep'), '');
    await expect(sink.write(batch(ROWS), daily)).rejects.toMatchObject({
      code: 'E_STORAGE',
      message: expect.stringContaining(`tushare_daily${sep}2024-01${sep}${JAN2}`),
    });
    expect(await readdir(join(root, 'tushare_daily', '2024-01'))).toEqual([JAN2]);
  });

  it('refuses options it does not know with E_SINK_OPTIONS', () => {
    expect(() => createFileSink({ root: '' })).toThrow(
      expect.objectContaining({ code: 'E_SINK_OPTIONS' }),
    );
    const format = 'xlsx' as 'csv';
    expect(() => createFileSink({ root, format })).toThrow(
      /format must be one of csv, jsonl, parquet/,
    );
    const partition = 'hour' as 'none';
    expect(() => createFileSink({ root, partition })).toThrow(/partition must be one of/);
  });
});
