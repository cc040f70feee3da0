import type { Field } from '@dsync/datasource';
import type { Knex } from 'knex';

/**
 * What differs between the three SQL dialects, and only that: the driver, column types,
 * and how many rows one multi-row statement may carry. Everything else is Knex's.
 */
export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface Dialect {
  readonly name: DialectName;
  /** The Knex client (driver package). */
  readonly client: 'better-sqlite3' | 'pg' | 'mysql2';
  /** Rows per multi-row INSERT for a table of `columns` columns. */
  rowsPerStatement(columns: number): number;
  /** Adds a column for a field; `key` when it is part of the primary key. */
  column(table: Knex.CreateTableBuilder, field: Field, key: boolean): Knex.ColumnBuilder;
  /** A datetime (ISO 8601 UTC) as the dialect's column accepts it. */
  datetime(iso: string): string;
}

const asIs = (iso: string) => iso;

/** Types with a real equivalent in the dialect; SQLite has no exact decimal or date type, so those stay exact as text. */
function sharedColumn(
  table: Knex.CreateTableBuilder,
  field: Field,
): Knex.ColumnBuilder | undefined {
  switch (field.type) {
    case 'int':
      return table.bigInteger(field.name);
    case 'float':
      return table.double(field.name);
    case 'bool':
      return table.boolean(field.name);
    default:
      return undefined;
  }
}

const SQLITE: Dialect = {
  name: 'sqlite',
  client: 'better-sqlite3',
  // SQLITE_MAX_COMPOUND_SELECT (500 rows) and SQLITE_MAX_VARIABLE_NUMBER (32,766).
  rowsPerStatement: (columns) => Math.max(1, Math.min(500, Math.floor(32766 / columns))),
  column: (table, field) => sharedColumn(table, field) ?? table.text(field.name),
  datetime: asIs,
};

const POSTGRES: Dialect = {
  name: 'postgres',
  client: 'pg',
  // 65,535 bind parameters per statement.
  rowsPerStatement: (columns) => Math.max(1, Math.min(2000, Math.floor(65535 / columns))),
  column(table, field) {
    switch (field.type) {
      case 'decimal':
        return table.decimal(field.name, field.precision, field.scale);
      case 'date':
        return table.date(field.name);
      case 'datetime':
        return table.timestamp(field.name, { useTz: true });
      case 'json':
        return table.jsonb(field.name);
      default:
        return sharedColumn(table, field) ?? table.text(field.name);
    }
  },
  datetime: asIs,
};

const MYSQL: Dialect = {
  name: 'mysql',
  client: 'mysql2',
  // 65,535 placeholders per prepared statement; packets are the other bound, well above this.
  rowsPerStatement: (columns) => Math.max(1, Math.min(2000, Math.floor(65535 / columns))),
  column(table, field, key) {
    switch (field.type) {
      case 'decimal':
        return table.decimal(field.name, field.precision, field.scale);
      case 'date':
        return table.date(field.name);
      case 'datetime':
        return table.datetime(field.name, { precision: 3 });
      case 'json':
        return table.json(field.name);
      case 'string':
        // TEXT cannot be a key in MySQL; 191 characters of utf8mb4 fit InnoDB's index limit.
        return key ? table.string(field.name, 191) : table.text(field.name);
      default:
        return sharedColumn(table, field) ?? table.text(field.name);
    }
  },
  // DATETIME takes no zone designator: the value is UTC, written without the T and Z.
  datetime: (iso) => iso.replace('T', ' ').replace(/Z$/, ''),
};

export const DIALECTS: Readonly<Record<DialectName, Dialect>> = Object.freeze({
  sqlite: SQLITE,
  postgres: POSTGRES,
  mysql: MYSQL,
});
