import { describe, expect, it } from '@jest/globals';
import { defineDataSource, type RecordBatch } from '@dsync/datasource';
import { createMemorySink } from '../src/index.js';

const source = defineDataSource({
  id: 'test.bars',
  provider: 'tushare',
  api: 'daily',
  fields: [
    { name: 'ts_code', type: 'string', nullable: false },
    { name: 'trade_date', type: 'date', nullable: false },
    { name: 'close', type: 'decimal' },
  ],
  primaryKey: ['ts_code', 'trade_date'],
});

const batch = (page: number, rows: unknown[][]): RecordBatch => ({
  sourceId: 'test.bars',
  argsKey: 'daily?trade_date=20240102',
  page,
  columns: ['ts_code', 'trade_date', 'close'],
  rows,
  schemaVersion: 1,
  fetchedAt: '2024-01-02T10:00:00.000Z',
});

describe('createMemorySink', () => {
  it('upserts by primary key: a redelivered batch changes nothing, a newer value replaces the old', async () => {
    const sink = createMemorySink();
    await sink.ready();
    await sink.write(
      batch(0, [
        ['000001.SZ', '20240102', 9.5],
        ['000002.SZ', '20240102', 7.1],
      ]),
      source,
    );
    await sink.write(
      batch(0, [
        ['000001.SZ', '20240102', 9.5],
        ['000002.SZ', '20240102', 7.1],
      ]),
      source,
    );
    await sink.write(batch(1, [['000001.SZ', '20240102', 9.6]]), source);
    expect(sink.rows('test.bars')).toEqual([
      { ts_code: '000001.SZ', trade_date: '2024-01-02', close: '9.6' },
      { ts_code: '000002.SZ', trade_date: '2024-01-02', close: '7.1' },
    ]);
  });

  it('appends in append mode, but a redelivered batch only once', async () => {
    const appendSource = {
      ...source,
      storage: { ...source.storage, writeMode: 'append' as const },
    };
    const sink = createMemorySink();
    await sink.write(
      batch(0, [
        ['A', '20240102', 1],
        ['A', '20240102', 1],
      ]),
      appendSource,
    );
    await sink.write(
      batch(0, [
        ['A', '20240102', 1],
        ['A', '20240102', 1],
      ]),
      appendSource,
    );
    expect(sink.rows('test.bars')).toHaveLength(2);
  });

  it('rejects writes after close', async () => {
    const sink = createMemorySink();
    await sink.close();
    await expect(sink.write(batch(0, []), source)).rejects.toMatchObject({ code: 'E_SINK_CLOSED' });
  });
});
