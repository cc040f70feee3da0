import type { DataSource, RecordBatch, TaskCompletion } from '@dsync/datasource';
import type BetterSqlite3 from 'better-sqlite3';
import type { Knex } from 'knex';
import type { StoredRow } from '../values.js';
import { ledgerKey } from './checkpoint-store.js';

/**
 * SQLite's write path, on the driver's own prepared statements. Knex compiles and
 * better-sqlite3 prepares a new multi-row statement for every chunk, and preparing a
 * 5,500-placeholder statement costs more than running it: a one-row statement, compiled
 * by Knex once (so every identifier is still quoted by Knex) and prepared once per
 * connection, run row by row in one transaction, is several times faster. Measured in
 * `bench/storage.bench.mjs`.
 */

interface Statements {
  readonly insert: BetterSqlite3.Statement;
  /** Binding order of `insert`: Knex sorts insert columns. */
  readonly columns: readonly string[];
  /** For `replace-window`: the delete of a window's rows with the scope's columns (sorted) fixed. */
  readonly deleteWindow: ((scopeColumns: readonly string[]) => BetterSqlite3.Statement) | undefined;
  readonly complete: BetterSqlite3.Statement;
}

const cache = new WeakMap<BetterSqlite3.Database, Map<string, Statements>>();

function statementsFor(knex: Knex, db: BetterSqlite3.Database, source: DataSource): Statements {
  let bySource = cache.get(db);
  if (bySource === undefined) cache.set(db, (bySource = new Map<string, Statements>()));
  const cacheKey = `${source.id}|${source.storage.table}|${source.storage.writeMode}|${source.fields.map((f) => f.name).join(',')}`;
  let statements = bySource.get(cacheKey);
  if (statements !== undefined) return statements;

  const { table, writeMode, windowField } = source.storage;
  // Each column's name as its own binding: the compiled bindings then give the column order.
  const template = Object.fromEntries(source.fields.map((f) => [f.name, f.name]));
  const insert = knex(table).insert(template);
  const compiled = (
    writeMode === 'append' ? insert : insert.onConflict([...source.primaryKey]).merge()
  ).toSQL();
  const deletes = new Map<string, BetterSqlite3.Statement>();
  const deleteWindow =
    writeMode === 'replace-window' && windowField !== undefined
      ? (scopeColumns: readonly string[]) => {
          const cacheKey = scopeColumns.join(',');
          let statement = deletes.get(cacheKey);
          if (statement === undefined) {
            const where = Object.fromEntries(scopeColumns.map((c) => [c, c]));
            const sql = knex(table)
              .whereBetween(windowField, ['start', 'end'])
              .where(where)
              .delete()
              .toSQL().sql;
            deletes.set(cacheKey, (statement = db.prepare(sql)));
          }
          return statement;
        }
      : undefined;
  const completeSql = knex('dsync_tasks')
    .where({ source_id: 'source', key: 'key' })
    .update({
      status: 'done',
      rows: 0,
      attempts: 0,
      worker: knex.raw('coalesce(?, worker)', ['worker']),
      updated_at: 'now',
    })
    .toSQL();
  statements = {
    insert: db.prepare(compiled.sql),
    columns: compiled.bindings.map(String),
    deleteWindow,
    complete: db.prepare(completeSql.sql),
  };
  // Knex orders the update's bindings as written: status, rows, attempts, worker, updated_at, then the where.
  if (completeSql.bindings.map(String).join(',') !== 'done,0,0,worker,now,source,key') {
    throw new Error(`unexpected binding order in ${completeSql.sql}`);
  }
  bySource.set(cacheKey, statements);
  return statements;
}

const bindable = (value: StoredRow[string]) => (value === true ? 1 : value === false ? 0 : value);

/** A batch ready to store: its rows converted, and its task's completion if it has one. */
export interface PendingWrite {
  readonly source: DataSource;
  readonly batch: RecordBatch;
  readonly rows: readonly StoredRow[];
  readonly completion?: TaskCompletion;
}

/** Writes batches (and their tasks' completions) in one SQLite transaction, in order. */
export async function writeSqlite(knex: Knex, writes: readonly PendingWrite[]): Promise<void> {
  // Inside a Knex transaction, its client hands out the transaction's own connection: the
  // statements run in that transaction, and the pool hands the connection on at once after
  // (acquiring it outside Knex's transaction made waiting writers sleep on the pool's timer).
  await knex.transaction(async (trx) => {
    const db = (await (
      trx.client as { acquireConnection(): Promise<unknown> }
    ).acquireConnection()) as BetterSqlite3.Database;
    const updatedAt = new Date().toISOString();
    for (const { source, batch, rows, completion } of writes) {
      const s = statementsFor(knex, db, source);
      if (s.deleteWindow !== undefined && batch.page === 0 && batch.window !== undefined) {
        const scope = batch.scope ?? {};
        const columns = Object.keys(scope).sort();
        s.deleteWindow(columns).run(
          batch.window.start,
          batch.window.end,
          ...columns.map((c) => bindable(scope[c] ?? null)),
        );
      }
      for (const row of rows) s.insert.run(...s.columns.map((c) => bindable(row[c] ?? null)));
      if (completion !== undefined) {
        s.complete.run(
          'done',
          completion.rows,
          completion.attempts,
          completion.worker ?? null,
          completion.at ?? updatedAt,
          batch.sourceId,
          ledgerKey(completion.key),
        );
      }
    }
  });
}
