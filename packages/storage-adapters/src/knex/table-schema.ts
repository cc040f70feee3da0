import type { DataSource } from '@dsync/datasource';
import type { Connection } from './connection.js';

/**
 * Makes a source's table match its fields: created with its primary key when missing;
 * a field the table lacks becomes a new nullable column. Nothing is ever dropped or
 * retyped: stored data outlives definitions.
 */
export async function ensureTable(connection: Connection, source: DataSource): Promise<void> {
  const { knex, dialect } = connection;
  const { table } = source.storage;
  const keys = new Set(source.primaryKey);
  if (!(await knex.schema.hasTable(table))) {
    await knex.schema.createTable(table, (t) => {
      for (const field of source.fields) {
        const column = dialect.column(t, field, keys.has(field.name));
        if (keys.has(field.name) || !field.nullable) column.notNullable();
      }
      // Append-mode tables may hold repeated keys, so only the others get a primary key.
      if (source.storage.writeMode !== 'append') t.primary([...source.primaryKey]);
    });
    return;
  }
  const existing = await knex(table).columnInfo();
  const missing = source.fields.filter((f) => !(f.name in existing));
  if (missing.length === 0) return;
  await knex.schema.alterTable(table, (t) => {
    for (const field of missing) dialect.column(t, field, false).nullable();
  });
}
