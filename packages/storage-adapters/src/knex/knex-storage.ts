import type {
  ArgContext,
  CheckpointStore,
  DataSource,
  RecordBatch,
  TaskCompletion,
  TransactionalSink,
} from '@dsync/datasource';
import { DsyncError, redactText, redactUrl } from '@dsync/datasource';
import type { Knex } from 'knex';
import { BatchRejectedError, StorageError } from '../errors.js';
import { toStoredRows } from '../values.js';
import { knexArgContext } from './arg-context.js';
import { KnexCheckpointStore, ledgerKey, taskColumns } from './checkpoint-store.js';
import { dialectOf, openConnection, wrapConnection, type Connection } from './connection.js';
import type { DialectName } from './dialect.js';
import { migrateLedger } from './migrations.js';
import { readRows, type ReadOptions, type ReadRow } from './read.js';
import { GroupCommit } from './group-commit.js';
import { writeSqlite, type PendingWrite } from './sqlite-fast-path.js';
import { ensureTable } from './table-schema.js';
import {
  migrateNumberColumns,
  NeedsMigrationError,
  numberColumnsToMigrate,
  type MigrateOptions,
  type TableMigration,
} from './number-columns.js';
import { lastPerKey, writeRows } from './write.js';

export interface StorageOptions {
  /**
   * Where data and ledger live: `sqlite:./dsync.db` (the default: one file), `sqlite::memory:`,
   * `postgres://user:pass@host:5432/db`, `mysql://…` or `mariadb://…`.
   * @default "sqlite:dsync.db"
   */
  readonly url?: string;
  /** An existing Knex instance instead of a URL; the caller keeps owning (and closing) it. */
  readonly knex?: Knex;
}

/**
 * SQL storage through Knex: source tables derived from definitions, the three write modes,
 * and the ledger on the same connection, so a batch and its task's "done" commit together.
 */
export interface KnexStorage extends TransactionalSink {
  readonly dialect: DialectName;
  readonly knex: Knex;
  /** The runs, task ledger, cursors and quota counts, on this storage's connection. */
  readonly checkpoints: CheckpointStore;
  /** Creates or widens a source's table (done by `write` too, once per source). */
  ensureTable(source: DataSource): Promise<void>;
  /** A page of a source's stored table, ordered by primary key, values in one form for every dialect. */
  readRows(source: DataSource, options?: ReadOptions): Promise<ReadRow[]>;
  /** How many rows a source's table holds (0 before its first write). */
  countRows(source: DataSource): Promise<number>;
  /** The latest date a source's table holds in a date field (`YYYY-MM-DD`); undefined when empty. */
  latestDate(source: DataSource, field: string): Promise<string | undefined>;
  /** What arg generation reads from this storage; `sourceOf` finds the definitions of the tables it reads. */
  argContext(sourceOf: (id: string) => DataSource | undefined): ArgContext;
  /**
   * Refuses, before a run asks anything, sources whose tables keep numbers as dsync 0.1 did.
   * @throws NeedsMigrationError (`E_NEEDS_MIGRATION`) naming the first such table
   */
  check(sources: readonly DataSource[]): Promise<void>;
  /**
   * Turns the sources' numeric columns that dsync 0.1 kept as exact decimals (TEXT on SQLite)
   * into doubles, in place, table by table, each in one step a cut leaves undone: run again,
   * it does what is left. Returns what it changed (with `dryRun`, what it would change).
   */
  migrate(sources: readonly DataSource[], options?: MigrateOptions): Promise<TableMigration[]>;
}

export function createStorage(options: StorageOptions = {}): KnexStorage {
  let connection: Connection | undefined =
    options.knex === undefined ? undefined : wrapConnection(options.knex);
  let opening: Promise<Connection> | undefined;
  let closed = false;
  const ensured = new Map<string, Promise<void>>();
  const url = options.url ?? 'sqlite:dsync.db';

  const connect = async (): Promise<Connection> => {
    if (closed) throw new DsyncError('E_SINK_CLOSED', 'storage: used after close');
    if (connection !== undefined) return connection;
    opening ??= (async () => {
      const opened = await openConnection(url);
      try {
        await migrateLedger(opened.knex);
      } catch (error) {
        await opened.knex.destroy();
        opening = undefined;
        throw new StorageError(
          opened.target,
          `cannot open the storage: ${redactText((error as Error).message, url)}`,
          { cause: error },
        );
      }
      connection = opened;
      return opened;
    })();
    return opening;
  };

  /** Database errors as StorageError (the task stays pending); refusals of the batch pass through. */
  const guard = async <T>(run: (c: Connection) => Promise<T>): Promise<T> => {
    const c = await connect();
    try {
      return await run(c);
    } catch (error) {
      if (error instanceof BatchRejectedError || error instanceof DsyncError) throw error;
      throw new StorageError(c.target, redactText((error as Error).message, url), { cause: error });
    }
  };

  const tableReady = (c: Connection, source: DataSource): Promise<void> => {
    const key = `${source.id}@${source.schemaVersion}:${source.fields.map((f) => f.name).join(',')}`;
    let ready = ensured.get(key);
    if (ready === undefined) {
      ready = ensureTable(c, source).catch((error: unknown) => {
        ensured.delete(key);
        throw error;
      });
      ensured.set(key, ready);
    }
    return ready;
  };

  /** Every write of one turn in one transaction (see GroupCommit); each batch's rows as before. */
  const writer = new GroupCommit<PendingWrite, void>((writes) =>
    guard(async (c) => {
      for (const w of writes) await tableReady(c, w.source);
      if (c.dialect.name === 'sqlite') await writeSqlite(c.knex, writes);
      else await c.knex.transaction((trx) => writeInTransaction(trx, c, writes));
      return writes.map(() => undefined);
    }),
  );

  const store = async (
    batch: RecordBatch,
    source: DataSource,
    completion?: TaskCompletion,
  ): Promise<void> => {
    // Converted before it joins a group: a batch refused for its values fails alone, at once.
    const rows = lastPerKey(toStoredRows(batch, source), source);
    return writer.submit({
      source,
      batch,
      rows,
      ...(completion === undefined ? {} : { completion }),
    });
  };

  const storage: KnexStorage = {
    name: connection?.target ?? redactUrl(url),
    dialect: (connection?.dialect ?? dialectOf(url)).name,
    get knex() {
      if (connection === undefined)
        throw new DsyncError('E_NOT_READY', 'storage: call ready() before using knex');
      return connection.knex;
    },
    checkpoints: new KnexCheckpointStore(async () => (await connect()).knex),
    ready: async () => void (await connect()),
    write: (batch, source) => store(batch, source),
    writeAndComplete: (batch, source, completion) => store(batch, source, completion),
    ensureTable: (source) => guard((c) => tableReady(c, source)),
    readRows: (source, readOptions) =>
      guard(async (c) =>
        (await c.knex.schema.hasTable(source.storage.table))
          ? readRows(c.knex, source, readOptions)
          : [],
      ),
    countRows: (source) =>
      guard(async (c) => {
        if (!(await c.knex.schema.hasTable(source.storage.table))) return 0;
        const [row] = await c
          .knex(source.storage.table)
          .count<{ n: number | string }[]>({ n: '*' });
        return Number(row?.n ?? 0);
      }),
    latestDate: (source, field) =>
      guard(async (c) => {
        if (!(await c.knex.schema.hasTable(source.storage.table))) return undefined;
        const [row] = await c
          .knex(source.storage.table)
          .max<{ latest: string | number | null }[]>({ latest: field });
        // Dates come back as text in every dialect (SQLite's are text; the others are read so).
        const latest = row?.latest;
        return latest === null || latest === undefined ? undefined : String(latest).slice(0, 10);
      }),
    check: (sources) =>
      guard(async (c) => {
        for (const source of sources) {
          const old = await numberColumnsToMigrate(c.knex, source);
          if (old.length > 0) throw new NeedsMigrationError(source.id, source.storage.table, old);
        }
      }),
    migrate: (sources, migrateOptions = {}) =>
      guard(async (c) => {
        const plan: TableMigration[] = [];
        for (const source of sources) {
          const columns = await numberColumnsToMigrate(c.knex, source);
          if (columns.length === 0) continue;
          const { table } = source.storage;
          const [row] = await c.knex(table).count<{ n: number | string }[]>({ n: '*' });
          plan.push({ sourceId: source.id, table, columns, rows: Number(row?.n ?? 0) });
        }
        if (migrateOptions.dryRun === true) return plan;
        for (const [i, step] of plan.entries()) {
          const at = { ...step, index: i + 1, total: plan.length };
          migrateOptions.onProgress?.(at);
          const started = performance.now();
          await migrateNumberColumns(c.knex, c.dialect.name, step.table, step.columns);
          // The table is another now: its next write checks it afresh.
          for (const key of ensured.keys())
            if (key.startsWith(`${step.sourceId}@`)) ensured.delete(key);
          migrateOptions.onProgress?.({ ...at, ms: performance.now() - started });
        }
        return plan;
      }),
    argContext: (sourceOf) => {
      if (connection === undefined)
        throw new DsyncError('E_NOT_READY', 'storage: call ready() before argContext()');
      return knexArgContext(connection.knex, sourceOf);
    },
    async close() {
      closed = true;
      if (connection?.owned) await connection.knex.destroy();
    },
  };
  return storage;
}

async function writeInTransaction(
  trx: Knex.Transaction,
  c: Connection,
  writes: readonly PendingWrite[],
): Promise<void> {
  for (const { source, batch, rows, completion } of writes) {
    await writeRows(trx, c.dialect, source, batch, rows);
    if (completion !== undefined) {
      await trx('dsync_tasks')
        .where({ source_id: batch.sourceId, key: ledgerKey(completion.key) })
        .update(
          taskColumns({
            status: 'done',
            rows: completion.rows,
            attempts: completion.attempts,
            ...(completion.worker === undefined ? {} : { worker: completion.worker }),
            ...(completion.at === undefined ? {} : { at: completion.at }),
          }),
        );
    }
  }
}
