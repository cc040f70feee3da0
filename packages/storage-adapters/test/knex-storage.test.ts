import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { defineDataSource, type DataSource } from '@dsync/datasource';
import { BatchRejectedError, createStorage, StorageError, type KnexStorage } from '../src/index.js';
import { DIALECTS, freshDatabase, type Dialect, type TestDatabase } from './databases.js';
import { BARS, batch, EVERY_TYPE } from './knex-fixtures.js';

jest.setTimeout(30_000);

const COLUMN_TYPES: Record<Dialect, Record<string, RegExp>> = {
  sqlite: { amount: /^text$/, day: /^text$/, n: /^bigint$/, ratio: /^float|double|real/ },
  postgres: {
    amount: /^numeric$/,
    day: /^date$/,
    n: /^bigint$/,
    ratio: /^double precision$/,
    at: /^timestamp with time zone$/,
    extra: /^jsonb$/,
  },
  mysql: {
    amount: /^decimal$/,
    day: /^date$/,
    n: /^bigint$/,
    ratio: /^double$/,
    at: /^datetime$/,
    extra: /^(json|longtext)$/,
  },
};

/** The primary key's columns in the order of its index, as the database reports them. */
async function primaryKeyColumns(
  dialect: Dialect,
  storage: KnexStorage,
  table: string,
): Promise<string[]> {
  const { knex } = storage;
  if (dialect === 'sqlite') {
    const indexes = await knex.raw<{ name: string; origin: string }[]>(
      `pragma index_list('${table}')`,
    );
    const pk = indexes.find((i) => i.origin === 'pk')?.name as string;
    const info = await knex.raw<{ name: string }[]>(`pragma index_info('${pk}')`);
    return info.map((c) => c.name);
  }
  if (dialect === 'postgres') {
    const { rows } = await knex.raw<{ rows: { name: string }[] }>(
      `select a.attname as name from pg_index i
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = ?::regclass and i.indisprimary
       order by array_position(i.indkey, a.attnum)`,
      [table],
    );
    return rows.map((r) => r.name);
  }
  const [rows = []] = await knex.raw<{ name: string }[][]>(
    `select column_name as name from information_schema.statistics
     where table_schema = database() and table_name = ? and index_name = 'PRIMARY'
     order by seq_in_index`,
    [table],
  );
  return rows.map((r) => r.name);
}

describe.each(DIALECTS)('Knex storage on %s', (dialect) => {
  let db: TestDatabase;
  let storage: KnexStorage;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    storage = createStorage({ url: db.url });
    await storage.ready();
  });
  afterAll(async () => {
    await storage?.close();
    await db?.drop();
  });

  it('round-trips every field type exactly', async () => {
    const columns = EVERY_TYPE.fields.map((f) => f.name);
    await storage.write(
      batch('test.types', columns, [
        [
          '000001',
          '20240102',
          42,
          0.25,
          '12345678901234567890.1234',
          '2024-01-02 15:00:00',
          1,
          { a: [1, 2] },
        ],
        ['000002', '2024-01-03', -7, -1.5, 10.5, '2024-01-03T07:00:00Z', 'N', null],
      ]),
      EVERY_TYPE,
    );
    expect(await storage.readRows(EVERY_TYPE)).toEqual([
      {
        code: '000001',
        day: '2024-01-02',
        n: 42,
        ratio: 0.25,
        amount: '12345678901234567890.1234',
        at: '2024-01-02T15:00:00.000Z',
        flag: true,
        extra: { a: [1, 2] },
      },
      {
        code: '000002',
        day: '2024-01-03',
        n: -7,
        ratio: -1.5,
        amount: '10.5',
        at: '2024-01-03T07:00:00.000Z',
        flag: false,
        extra: null,
      },
    ]);
  });

  it('maps types to the dialect’s exact column types', async () => {
    const info = await storage.knex('test_types').columnInfo();
    for (const [column, type] of Object.entries(COLUMN_TYPES[dialect]))
      expect([column, info[column]?.type]).toEqual([column, expect.stringMatching(type)]);
  });

  it('upserts by primary key: a redelivered batch changes nothing, a newer value replaces', async () => {
    const columns = ['ts_code', 'trade_date', 'close', 'vol'];
    const first = batch('test.bars', columns, [
      ['A', '20240102', '9.5', 100],
      ['B', '20240102', '7.1', 200],
    ]);
    await storage.write(first, BARS);
    await storage.write(first, BARS);
    await storage.write(
      batch('test.bars', columns, [
        ['A', '20240102', '9.6', 150],
        ['A', '20240102', '9.7', 160],
      ]),
      BARS,
    );
    expect(await storage.readRows(BARS)).toEqual([
      { ts_code: 'A', trade_date: '2024-01-02', close: '9.7', vol: 160 },
      { ts_code: 'B', trade_date: '2024-01-02', close: '7.1', vol: 200 },
    ]);
  });

  it('builds the key index in arrival order: the column a request fixes first; upserts and reads keep the declared key', async () => {
    const bars = {
      provider: 'tushare',
      api: 'daily',
      fields: BARS.fields,
      primaryKey: BARS.primaryKey,
    } as const;
    const declared = defineDataSource({ ...bars, id: 'test.bars_declared' });
    const byDay = defineDataSource({
      ...bars,
      id: 'test.bars_by_day',
      args: { kind: 'trade-calendar', param: 'trade_date' },
    });
    const bySymbol = defineDataSource({
      ...bars,
      id: 'test.bars_by_symbol',
      args: { kind: 'fan-out', param: 'ts_code', keys: { source: 'test.stocks', field: 'code' } },
    });
    const columns = ['ts_code', 'trade_date', 'close', 'vol'];
    for (const [source, order] of [
      [declared, ['ts_code', 'trade_date']],
      [byDay, ['trade_date', 'ts_code']],
      [bySymbol, ['ts_code', 'trade_date']],
    ] as const) {
      await storage.ensureTable(source);
      expect([source.id, await primaryKeyColumns(dialect, storage, source.storage.table)]).toEqual([
        source.id,
        order,
      ]);
      await storage.write(
        batch(source.id, columns, [
          ['B', '20240103', '7.2', 1],
          ['A', '20240103', '9.5', 2],
        ]),
        source,
      );
      await storage.write(
        batch(source.id, columns, [
          ['B', '20240102', '7.1', 3],
          ['A', '20240103', '9.6', 4],
        ]),
        source,
      );
      expect(await storage.readRows(source)).toEqual([
        { ts_code: 'A', trade_date: '2024-01-03', close: '9.6', vol: 4 },
        { ts_code: 'B', trade_date: '2024-01-02', close: '7.1', vol: 3 },
        { ts_code: 'B', trade_date: '2024-01-03', close: '7.2', vol: 1 },
      ]);
    }
  });

  it('appends in append mode', async () => {
    const log = defineDataSource({ ...minimal('test.log'), storage: { writeMode: 'append' } });
    const b = batch('test.log', ['ts_code', 'trade_date'], [['A', '20240102']]);
    await storage.write(b, log);
    await storage.write(b, log);
    expect(await storage.readRows(log)).toHaveLength(2);
  });

  it('replaces a window: deletes its rows on the first page, then inserts', async () => {
    const windowed = defineDataSource({
      ...minimal('test.window'),
      storage: { writeMode: 'replace-window', windowField: 'trade_date' },
    });
    const cols = ['ts_code', 'trade_date'];
    const window = { start: '2024-01-02', end: '2024-01-03' };
    await storage.write(
      batch('test.window', cols, [
        ['A', '20240101'],
        ['A', '20240102'],
        ['B', '20240103'],
      ]),
      windowed,
    );
    await storage.write(
      batch('test.window', cols, [['C', '20240102']], { window, page: 0 }),
      windowed,
    );
    await storage.write(
      batch('test.window', cols, [['D', '20240103']], { window, page: 1 }),
      windowed,
    );
    expect(
      (await storage.readRows(windowed)).map(
        (r) => `${String(r['ts_code'])} ${String(r['trade_date'])}`,
      ),
    ).toEqual(['A 2024-01-01', 'C 2024-01-02', 'D 2024-01-03']);
  });

  it('replaces only the rows its request fixed: a restatement that re-keys a row leaves no stale copy', async () => {
    // A statement per symbol and type: update_flag belongs to the key and flips on a restatement.
    const statement = defineDataSource({
      id: 'test.statement',
      provider: 'tushare',
      api: 'income',
      fields: [
        { name: 'ts_code', type: 'string', nullable: false },
        { name: 'end_date', type: 'date', nullable: false },
        { name: 'report_type', type: 'string', nullable: false },
        { name: 'f_ann_date', type: 'date', nullable: false },
        { name: 'update_flag', type: 'string', nullable: false },
        { name: 'revenue', type: 'float' },
      ],
      primaryKey: ['ts_code', 'end_date', 'report_type', 'f_ann_date', 'update_flag'],
      storage: { writeMode: 'replace-window', windowField: 'end_date' },
    });
    const cols = ['ts_code', 'end_date', 'report_type', 'f_ann_date', 'update_flag', 'revenue'];
    const window = { start: '2024-03-31', end: '2024-03-31' };
    const answer = (code: string, type: string, rows: unknown[][]) =>
      batch('test.statement', cols, rows, {
        window,
        page: 0,
        scope: { ts_code: code, report_type: type },
        argsKey: `income?period=20240331&report_type=${type}&ts_code=${code}`,
      });
    await storage.write(answer('A', '1', [['A', '20240331', '1', '20240425', '1', 10]]), statement);
    await storage.write(answer('A', '6', [['A', '20240331', '6', '20240425', '1', 7]]), statement);
    await storage.write(answer('B', '1', [['B', '20240331', '1', '20240420', '1', 20]]), statement);
    // A restated: its first version is now flag 0, the new one flag 1.
    await storage.write(
      answer('A', '1', [
        ['A', '20240331', '1', '20240425', '0', 10],
        ['A', '20240331', '1', '20240610', '1', 11],
      ]),
      statement,
    );
    expect(
      (await storage.readRows(statement)).map((r) =>
        [r['ts_code'], r['report_type'], r['f_ann_date'], r['update_flag'], r['revenue']].join(' '),
      ),
    ).toEqual([
      'A 1 2024-04-25 0 10',
      'A 1 2024-06-10 1 11',
      'A 6 2024-04-25 1 7',
      'B 1 2024-04-20 1 20',
    ]);
  });

  it('chunks large batches within the dialect’s statement limits', async () => {
    const rows = Array.from({ length: 3210 }, (_, i) => [
      `S${String(i).padStart(5, '0')}`,
      '20240105',
      `${i}.25`,
      i,
    ]);
    await storage.write(batch('test.bars', ['ts_code', 'trade_date', 'close', 'vol'], rows), BARS);
    expect(await storage.countRows(BARS)).toBeGreaterThanOrEqual(3210);
    const count = (await storage
      .knex('test_bars')
      .where('trade_date', '2024-01-05')
      .count({ n: '*' })
      .first()) as { n: number | string };
    expect(Number(count.n)).toBe(3210);
  });

  it('adds a column for a new field and drops nothing', async () => {
    const wider = defineDataSource({
      ...minimal('test.bars'),
      fields: [...BARS.fields, { name: 'amount', type: 'decimal' }],
    });
    await storage.write(
      batch('test.bars', ['ts_code', 'trade_date', 'amount'], [['A', '20240108', '1.5']]),
      { ...wider, storage: BARS.storage },
    );
    const info = await storage.knex('test_bars').columnInfo();
    expect(Object.keys(info).sort()).toEqual(['amount', 'close', 'trade_date', 'ts_code', 'vol']);
  });

  it('rejects a batch with a bad row whole, naming the source, row and field', async () => {
    const before = (await storage.readRows(BARS)).length;
    const bad = batch(
      'test.bars',
      ['ts_code', 'trade_date', 'close'],
      [
        ['X', '20240110', '1'],
        ['Y', '2024-13-01', '2'],
      ],
    );
    await expect(storage.write(bad, BARS)).rejects.toThrow(
      new BatchRejectedError('test.bars', 1, 'trade_date', 'no such date: "2024-13-01"'),
    );
    await expect(
      storage.write(batch('test.bars', ['ts_code', 'trade_date'], [['Z', null]]), BARS),
    ).rejects.toMatchObject({ code: 'E_BAD_ROW', row: 0, field: 'trade_date' });
    expect(await storage.readRows(BARS)).toHaveLength(before);
  });

  it('commits a batch and its task’s "done" together, or neither', async () => {
    const { checkpoints } = storage;
    const args = { sourceId: 'test.bars', api: 'daily', params: {}, key: 'daily?t=1' };
    await checkpoints.startRun({
      id: 'run-1',
      sourceIds: ['test.bars'],
      startedAt: '2024-01-02T00:00:00.000Z',
    });
    await checkpoints.addTasks([
      {
        runId: 'run-1',
        sourceId: 'test.bars',
        key: 'daily?t=1',
        args,
        status: 'running',
        attempts: 1,
        rows: 0,
        updatedAt: '2024-01-02T00:00:00.000Z',
      },
    ]);
    await storage.writeAndComplete(
      batch('test.bars', ['ts_code', 'trade_date'], [['T', '20240111']]),
      BARS,
      {
        runId: 'run-1',
        key: 'daily?t=1',
        rows: 1,
        attempts: 2,
        worker: 'host:42',
        at: '2024-01-11T12:00:00.000Z',
      },
    );
    // Done at the time its request was sent, on the synchronizer's clock.
    expect(await checkpoints.finishedTasks('test.bars', ['daily?t=1'])).toEqual(
      new Map([['daily?t=1', { status: 'done', at: '2024-01-11T12:00:00.000Z' }]]),
    );
    expect((await checkpoints.listTasks({ runId: 'run-1' }))[0]).toMatchObject({
      status: 'done',
      rows: 1,
      attempts: 2,
      worker: 'host:42',
    });

    // A table that lost a column makes the insert fail inside the transaction: neither the rows nor the "done" stay.
    const broken = defineDataSource({
      ...minimal('test.broken'),
      fields: [...minimal('test.broken').fields, { name: 'gone', type: 'int' }],
    });
    await storage.ensureTable(broken);
    await storage.knex.schema.alterTable('test_broken', (t) => t.dropColumn('gone'));
    await checkpoints.addTasks([
      {
        runId: 'run-1',
        sourceId: 'test.broken',
        key: 'k2',
        args: { ...args, key: 'k2' },
        status: 'running',
        attempts: 1,
        rows: 0,
        updatedAt: '2024-01-02T00:00:00.000Z',
      },
    ]);
    await expect(
      storage.writeAndComplete(
        batch('test.broken', ['ts_code', 'trade_date', 'gone'], [['G', '20240111', 1]]),
        broken,
        { runId: 'run-1', key: 'k2', rows: 1, attempts: 1 },
      ),
    ).rejects.toBeInstanceOf(StorageError);
    expect(await checkpoints.finishedTasks('test.broken', ['k2'])).toEqual(new Map());
    expect(await storage.readRows(defineDataSource(minimal('test.broken')))).toEqual([]);
  });

  it('keeps runs, tasks, cursors and quota counts', async () => {
    const { checkpoints } = storage;
    const task = (key: string, status: 'pending' | 'done' = 'pending') => ({
      runId: 'run-2',
      sourceId: 'test.ledger',
      key,
      args: { sourceId: 'test.ledger', api: 'x', params: { k: key }, key },
      status,
      attempts: 0,
      rows: 0,
      updatedAt: `2024-01-02T00:00:0${key.length}.000Z`,
    });
    await checkpoints.startRun({
      id: 'run-2',
      sourceIds: ['test.ledger'],
      startedAt: '2024-01-03T00:00:00.000Z',
    });
    await checkpoints.addTasks([task('a'), task('bb'), task('ccc', 'done')]);
    await checkpoints.addTasks([task('a', 'done')]); // already known: keeps its row
    await checkpoints.updateTask('test.ledger', 'bb', {
      status: 'failed',
      attempts: 5,
      lastError: { code: 'E_TIMEOUT', message: 'timed out' },
    });
    expect(
      (await checkpoints.unfinishedTasks('test.ledger')).map((t) => [t.key, t.status]),
    ).toEqual([
      ['a', 'pending'],
      ['bb', 'failed'],
    ]);
    expect((await checkpoints.listTasks({ status: 'failed' }))[0]).toMatchObject({
      key: 'bb',
      attempts: 5,
      lastError: { code: 'E_TIMEOUT', message: 'timed out' },
    });
    await checkpoints.advanceCursor('test.ledger', '2024-01-05', '2024-01-05T10:00:00.000Z');
    await checkpoints.advanceCursor('test.ledger', '2024-01-03', '2024-01-06T10:00:00.000Z');
    expect(await checkpoints.getSourceState('test.ledger')).toEqual({
      sourceId: 'test.ledger',
      pendingTasks: 2,
      cursor: '2024-01-05',
      lastSyncedAt: '2024-01-06T10:00:00.000Z',
    });
    await checkpoints.finishRun(
      'run-2',
      'stopped',
      { code: 'E_DAILY_LIMIT', message: 'daily limit' },
      '2024-01-04T16:00:00.000Z',
    );
    expect(await checkpoints.getRun('run-2')).toMatchObject({
      status: 'stopped',
      reason: { code: 'E_DAILY_LIMIT' },
      resumeAfter: '2024-01-04T16:00:00.000Z',
    });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        checkpoints.addQuotaUsage('tushare:default:daily', '2024-01-03', 3),
      ),
    );
    expect(await checkpoints.getQuotaUsage('tushare:default:daily', '2024-01-03')).toEqual({
      scope: 'tushare:default:daily',
      day: '2024-01-03',
      used: 60,
    });
  });

  it('reads calendars, keys and stored cells for arg generation', async () => {
    const cal = defineDataSource({
      id: 'test.cal',
      provider: 'tushare',
      api: 'trade_cal',
      fields: [
        { name: 'exchange', type: 'string', nullable: false },
        { name: 'cal_date', type: 'date', nullable: false },
        { name: 'is_open', type: 'int' },
      ],
      primaryKey: ['exchange', 'cal_date'],
    });
    await storage.write(
      batch(
        'test.cal',
        ['exchange', 'cal_date', 'is_open'],
        [
          ['SSE', '20240101', 0],
          ['SSE', '20240102', 1],
          ['SSE', '20240103', 1],
          ['SZSE', '20240102', 1],
        ],
      ),
      cal,
    );
    const sources = new Map<string, DataSource>([
      ['test.cal', cal],
      ['test.bars', BARS],
    ]);
    const context = storage.argContext((id) => sources.get(id));
    const calendar = await context.tradeCalendar('test.cal', 'SSE');
    expect([
      calendar?.first,
      calendar?.last,
      calendar?.openDays('2024-01-01', '2024-01-31'),
    ]).toEqual(['2024-01-01', '2024-01-03', ['2024-01-02', '2024-01-03']]);
    expect(await context.tradeCalendar('test.cal', 'BSE')).toBeUndefined();
    const keys = [];
    for await (const k of (await context.keyRows({ source: 'test.bars', field: 'ts_code' }))!)
      keys.push(k.key);
    expect(keys.slice(0, 3)).toEqual(['A', 'B', 'S00000']);
    const cells = [];
    for await (const c of context.storedCells(
      'test.bars',
      { dateField: 'trade_date', keyField: 'ts_code' },
      { start: '2024-01-01', end: '2024-01-02' },
    ))
      cells.push(c);
    expect(cells).toEqual([
      { date: '2024-01-02', key: 'A' },
      { date: '2024-01-02', key: 'B' },
    ]);
  });
});

describe('Knex storage that cannot be reached', () => {
  it('fails with the target, never the password', async () => {
    const storage = createStorage({ url: 'postgres://postgres:s3cret@127.0.0.1:1/nowhere' });
    const error = await storage.ready().then(
      () => undefined,
      (e: unknown) => e as StorageError,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error?.message).toMatch(
      /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: cannot open the storage: /,
    );
    expect(String(error?.message) + String(error?.stack)).not.toContain('s3cret');
    expect(storage.name).not.toContain('s3cret');
  });

  it('names an unknown URL scheme', () => {
    expect(() => createStorage({ url: 'oracle://x' }).dialect).toThrow(
      'Unknown storage URL "oracle://x": expected sqlite:<file>, postgres://… or mysql://… (mariadb://…)',
    );
  });
});

function minimal(id: string) {
  return {
    id,
    provider: 'tushare' as const,
    api: 'daily',
    fields: [
      { name: 'ts_code', type: 'string' as const, nullable: false },
      { name: 'trade_date', type: 'date' as const, nullable: false },
    ],
    primaryKey: ['ts_code', 'trade_date'],
  };
}
