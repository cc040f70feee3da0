import type { DataSource, RecordBatch } from '@dsync/datasource';
import type { Knex } from 'knex';
import type { StoredRow } from '../values.js';
import type { Dialect } from './dialect.js';

/**
 * Writes a batch's rows in one transaction, by the source's write mode, in multi-row
 * statements no larger than the dialect allows:
 * - `upsert`: insert, or update every non-key column of a row with the same primary key;
 * - `append`: insert;
 * - `replace-window`: on the first page of a request, delete the rows of its window first
 *   (only those with the values its request fixed: `batch.scope`), then upsert. What the
 *   provider no longer answers goes: a restatement that re-keys a row leaves no stale copy.
 */
export async function writeRows(
  trx: Knex.Transaction,
  dialect: Dialect,
  source: DataSource,
  batch: RecordBatch,
  stored: readonly StoredRow[],
): Promise<void> {
  let rows = stored;
  const { table, writeMode, windowField } = source.storage;
  if (
    writeMode === 'replace-window' &&
    batch.page === 0 &&
    batch.window !== undefined &&
    windowField !== undefined
  ) {
    await trx(table)
      .whereBetween(windowField, [batch.window.start, batch.window.end])
      .where(batch.scope ?? {})
      .delete();
  }
  if (rows.length === 0) return;
  const datetimes = source.fields.filter((f) => f.type === 'datetime').map((f) => f.name);
  if (datetimes.length > 0) {
    rows = rows.map((row) => {
      const out = { ...row };
      for (const name of datetimes)
        if (typeof out[name] === 'string') out[name] = dialect.datetime(out[name]);
      return out;
    });
  }
  const chunk = dialect.rowsPerStatement(source.fields.length);
  const keys = [...source.primaryKey];
  for (let i = 0; i < rows.length; i += chunk) {
    const slice = rows.slice(i, i + chunk);
    const insert = trx(table).insert(slice);
    // A replaced window's rows upsert too: a continuation page delivered again finds its rows there.
    await (writeMode === 'append' ? insert : insert.onConflict(keys).merge());
  }
}

/** Rows of one batch that share a primary key: the last one wins, as it would row by row. */
export function lastPerKey(rows: readonly StoredRow[], source: DataSource): StoredRow[] {
  if (source.storage.writeMode === 'append') return [...rows];
  const byKey = new Map<string, StoredRow>();
  for (const row of rows)
    byKey.set(source.primaryKey.map((k) => String(row[k])).join('\u0000'), row);
  return [...byKey.values()];
}
