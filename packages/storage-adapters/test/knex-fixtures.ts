import { defineDataSource, type RecordBatch } from '@dsync/datasource';

/** A source with one field of every type. */
export const EVERY_TYPE = defineDataSource({
  id: 'test.types',
  provider: 'tushare',
  api: 'types',
  fields: [
    { name: 'code', type: 'string', nullable: false },
    { name: 'day', type: 'date', nullable: false },
    { name: 'n', type: 'int' },
    { name: 'ratio', type: 'float' },
    { name: 'amount', type: 'decimal', precision: 24, scale: 4 },
    { name: 'at', type: 'datetime' },
    { name: 'flag', type: 'bool' },
    { name: 'extra', type: 'json' },
  ],
  primaryKey: ['code', 'day'],
});

let sequence = 0;
export function batch(
  sourceId: string,
  columns: string[],
  rows: unknown[][],
  extra: Partial<RecordBatch> = {},
): RecordBatch {
  return {
    sourceId,
    argsKey: `test?n=${sequence++}`,
    page: 0,
    columns,
    rows,
    schemaVersion: 1,
    fetchedAt: '2024-01-02T10:00:00.000Z',
    ...extra,
  };
}

/** Bars keyed by (ts_code, trade_date), as Tushare sends them. */
export const BARS = defineDataSource({
  id: 'test.bars',
  provider: 'tushare',
  api: 'daily',
  fields: [
    { name: 'ts_code', type: 'string', nullable: false },
    { name: 'trade_date', type: 'date', nullable: false },
    { name: 'close', type: 'decimal', precision: 20, scale: 4 },
    { name: 'vol', type: 'float' },
  ],
  primaryKey: ['ts_code', 'trade_date'],
});
