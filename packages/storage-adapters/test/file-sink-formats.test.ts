import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { defineDataSource, type RecordBatch } from '@dsync/datasource';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { toUnscaledDecimal } from '../src/files/encode-parquet.js';
import { createFileSink } from '../src/files/index.js';
import { removeDir, tempDir } from './services.js';

/** Every field type, Tushare-shaped where Tushare has it. */
const source = defineDataSource({
  id: 'test.all_types',
  provider: 'tushare',
  api: 'daily',
  fields: [
    { name: 'ts_code', type: 'string', nullable: false },
    { name: 'trade_date', type: 'date', nullable: false },
    { name: 'close', type: 'decimal' },
    { name: 'small', type: 'decimal', precision: 9, scale: 2 },
    { name: 'medium', type: 'decimal', precision: 18, scale: 3 },
    { name: 'vol', type: 'float' },
    { name: 'trades', type: 'int' },
    { name: 'updated_at', type: 'datetime' },
    { name: 'suspended', type: 'bool' },
    { name: 'extra', type: 'json' },
  ],
  primaryKey: ['ts_code', 'trade_date'],
});

const batch = (rows: unknown[][]): RecordBatch => ({
  sourceId: 'test.all_types',
  argsKey: 'daily?trade_date=20240102',
  page: 0,
  columns: source.fields.map((f) => f.name),
  rows,
  schemaVersion: 3,
  fetchedAt: '2024-01-02T10:00:00.000Z',
});

const ROWS = [
  [
    '000001.SZ',
    '20240102',
    10.5,
    '1234.56',
    '1234567.891',
    1158366.45,
    '42',
    '2024-01-02 15:00:00',
    'N',
    { limit: 'up', n: [1, 2] },
  ],
  ['000002.SZ', '20240102', '1234567890123456.9999', '-0.015', null, null, null, null, null, null],
];

let base: string;
beforeEach(async () => {
  base = await tempDir('dsync-file-formats-');
});
afterEach(() => removeDir(base));

async function writeOne(format: 'jsonl' | 'parquet', rows: unknown[][]): Promise<Buffer> {
  const sink = createFileSink({ root: base, format });
  await sink.write(batch(rows), source);
  const path = sink.pathOf(batch(rows), source);
  expect(path.startsWith(join(base, 'test_all_types') + '/')).toBe(true);
  expect(path.endsWith(`.${format}`)).toBe(true);
  expect(await readdir(join(base, 'test_all_types'))).toHaveLength(1);
  return readFile(path);
}

const toArrayBuffer = (bytes: Buffer): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

describe('createFileSink (JSON Lines)', () => {
  it('writes one object per row: field order, exact decimal strings, json embedded', async () => {
    const text = (await writeOne('jsonl', ROWS)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2);
    expect(Object.keys(JSON.parse(lines[0] ?? '') as object)).toEqual(
      source.fields.map((f) => f.name),
    );
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        ts_code: '000001.SZ',
        trade_date: '2024-01-02',
        close: '10.5',
        small: '1234.56',
        medium: '1234567.891',
        vol: 1158366.45,
        trades: 42,
        updated_at: '2024-01-02T15:00:00.000Z',
        suspended: false,
        extra: { limit: 'up', n: [1, 2] },
      },
      {
        ts_code: '000002.SZ',
        trade_date: '2024-01-02',
        close: '1234567890123456.9999',
        small: '-0.02', // rounded to the field's scale (2), as every adapter stores it
        medium: null,
        vol: null,
        trades: null,
        updated_at: null,
        suspended: null,
        extra: null,
      },
    ]);
  });

  it('writes an empty file for an empty batch', async () => {
    expect((await writeOne('jsonl', [])).length).toBe(0);
  });
});

describe('createFileSink (Parquet)', () => {
  it('types columns from the fields and reads back the same values', async () => {
    const file = toArrayBuffer(await writeOne('parquet', ROWS));
    const rows = await parquetReadObjects({ file });
    expect(rows).toEqual([
      {
        ts_code: '000001.SZ',
        trade_date: new Date('2024-01-02T00:00:00Z'),
        close: 10.5,
        small: 1234.56,
        medium: 1234567.891,
        vol: 1158366.45,
        trades: 42n,
        updated_at: new Date('2024-01-02T15:00:00Z'),
        suspended: false,
        extra: { limit: 'up', n: [1, 2] },
      },
      {
        ts_code: '000002.SZ',
        trade_date: new Date('2024-01-02T00:00:00Z'),
        close: expect.closeTo(1234567890123457, 0), // a float on reading; exact in the file (below)
        small: -0.02, // rounded half away from zero to scale 2
        medium: null,
        vol: null,
        trades: null,
        updated_at: null,
        suspended: null,
        extra: null,
      },
    ]);
  });

  it('writes the schema the type mapping promises, and where the rows came from', async () => {
    const metadata = parquetMetadata(toArrayBuffer(await writeOne('parquet', ROWS)));
    const columns = metadata.schema.slice(1).map((e) => ({
      name: e.name,
      type: e.type,
      ...(e.type_length === undefined ? {} : { type_length: e.type_length }),
      repetition: e.repetition_type,
      logical: e.logical_type,
    }));
    expect(columns).toEqual([
      { name: 'ts_code', type: 'BYTE_ARRAY', repetition: 'REQUIRED', logical: { type: 'STRING' } },
      { name: 'trade_date', type: 'INT32', repetition: 'REQUIRED', logical: { type: 'DATE' } },
      {
        name: 'close',
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 9,
        repetition: 'OPTIONAL',
        logical: { type: 'DECIMAL', precision: 20, scale: 4 },
      },
      {
        name: 'small',
        type: 'INT32',
        repetition: 'OPTIONAL',
        logical: { type: 'DECIMAL', precision: 9, scale: 2 },
      },
      {
        name: 'medium',
        type: 'INT64',
        repetition: 'OPTIONAL',
        logical: { type: 'DECIMAL', precision: 18, scale: 3 },
      },
      { name: 'vol', type: 'DOUBLE', repetition: 'OPTIONAL', logical: undefined },
      { name: 'trades', type: 'INT64', repetition: 'OPTIONAL', logical: undefined },
      {
        name: 'updated_at',
        type: 'INT64',
        repetition: 'OPTIONAL',
        logical: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      },
      { name: 'suspended', type: 'BOOLEAN', repetition: 'OPTIONAL', logical: undefined },
      { name: 'extra', type: 'BYTE_ARRAY', repetition: 'OPTIONAL', logical: { type: 'JSON' } },
    ]);
    expect(metadata.key_value_metadata).toEqual([
      { key: 'dsync.source', value: 'test.all_types' },
      { key: 'dsync.args_key', value: 'daily?trade_date=20240102' },
      { key: 'dsync.page', value: '0' },
      { key: 'dsync.schema_version', value: '3' },
      { key: 'dsync.fetched_at', value: '2024-01-02T10:00:00.000Z' },
    ]);
  });

  it('stores decimals exactly, beyond what a float holds', async () => {
    const file = toArrayBuffer(await writeOne('parquet', ROWS));
    // hyparquet turns DECIMAL into a float on reading; without the annotation it hands over
    // the raw two's complement bytes, which must be the exact unscaled value.
    const metadata = parquetMetadata(file);
    const close = metadata.schema.find((e) => e.name === 'close');
    if (close === undefined) throw new Error('no close column');
    delete close.converted_type;
    delete close.logical_type;
    const rows = await parquetReadObjects({ file, metadata, columns: ['close'] });
    const unscaled = rows.map(({ close: bytes }) =>
      BigInt.asIntN(72, BigInt(`0x${Buffer.from(bytes as Uint8Array).toString('hex')}`)),
    );
    expect(unscaled).toEqual([105000n, 12345678901234569999n]);
  });

  it('writes a valid file with the schema and no rows for an empty batch', async () => {
    const file = toArrayBuffer(await writeOne('parquet', []));
    expect(parquetMetadata(file).num_rows).toBe(0n);
    expect(parquetMetadata(file).schema).toHaveLength(source.fields.length + 1);
    expect(await parquetReadObjects({ file })).toEqual([]);
  });

  it('rejects, writing nothing, a decimal that rounds beyond its precision', async () => {
    const sink = createFileSink({ root: base, format: 'parquet' });
    const row = ['000001.SZ', '20240102', null, '9999999.999', null, null, null, null, null, null];
    await expect(sink.write(batch([row]), source)).rejects.toMatchObject({
      code: 'E_BAD_ROW',
      field: 'small',
    });
    expect(await readdir(base)).toEqual([]);
  });
});

describe('toUnscaledDecimal', () => {
  it('scales exactly and rounds half away from zero', () => {
    expect(toUnscaledDecimal('10.5', 4)).toBe(105000n);
    expect(toUnscaledDecimal('-0.015', 2)).toBe(-2n);
    expect(toUnscaledDecimal('0.014', 2)).toBe(1n);
    expect(toUnscaledDecimal('7', 0)).toBe(7n);
    expect(toUnscaledDecimal('12345678901234567890.12345', 4)).toBe(123456789012345678901235n);
    expect(() => toUnscaledDecimal('1e5', 2)).toThrow(RangeError);
  });
});
