import { DsyncError, type DataSource } from '@dsync/datasource';
import type { Knex } from 'knex';
import type { DialectName } from './dialect.js';

/**
 * dsync 0.1 stored the providers' numbers as exact decimals: `numeric(20,4)` on PostgreSQL
 * and MySQL, TEXT on SQLite, where SQL then compares them as strings. They are doubles now
 * (what the providers send). This finds the columns a store still keeps the old way, refuses
 * to write into them, and turns them into doubles in place, keeping every row and value.
 */

/** Column types that hold a double, as each dialect's `columnInfo` names them. */
const DOUBLE_TYPES: ReadonlySet<string> = new Set([
  'float',
  'real',
  'double',
  'double precision',
  'float8',
]);

/** A float field's column that is not a double yet, and its type now. */
export interface NumberColumn {
  readonly column: string;
  readonly type: string;
}

/** One source table's part of a migration. */
export interface TableMigration {
  readonly sourceId: string;
  readonly table: string;
  readonly columns: readonly NumberColumn[];
  readonly rows: number;
}

/** Told as a migration goes: a table about to be migrated, then migrated (`ms` set). */
export interface MigrationProgress extends TableMigration {
  /** 1-based position among the tables to migrate, and how many there are. */
  readonly index: number;
  readonly total: number;
  readonly ms?: number;
}

export interface MigrateOptions {
  /** Say what would change, change nothing. */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** Refused: a table keeps a float field's numbers the 0.1 way, and mixed types would follow. */
export class NeedsMigrationError extends DsyncError {
  constructor(
    readonly sourceId: string,
    readonly table: string,
    readonly columns: readonly NumberColumn[],
  ) {
    const list = columns.map((c) => `${c.column} (${c.type})`).join(', ');
    super(
      'E_NEEDS_MIGRATION',
      `${sourceId}: table ${table} keeps numbers as exact decimals or text, as dsync 0.1 stored ` +
        `them: ${list}. Run "dsync migrate" (storage.migrate() in a program) to store them as ` +
        'numbers; nothing is written to the table until then.',
    );
  }
}

/** The float fields of a source whose columns are not doubles (none when the table is new). */
export async function numberColumnsToMigrate(
  knex: Knex,
  source: DataSource,
): Promise<NumberColumn[]> {
  const { table } = source.storage;
  if (!(await knex.schema.hasTable(table))) return [];
  const info = await knex(table).columnInfo();
  return source.fields.flatMap((field) => {
    const column = info[field.name];
    if (field.type !== 'float' || column === undefined) return [];
    const type = column.type.toLowerCase();
    return DOUBLE_TYPES.has(type) ? [] : [{ column: field.name, type }];
  });
}

/** PostgreSQL and MySQL change a column's type in place, every column in one statement. */
async function alterInPlace(
  knex: Knex,
  dialect: 'postgres' | 'mysql',
  table: string,
  columns: readonly NumberColumn[],
): Promise<void> {
  if (dialect === 'postgres') {
    const clauses = columns.map(
      () => 'ALTER COLUMN ?? TYPE double precision USING ??::double precision',
    );
    const bindings = columns.flatMap((c) => [c.column, c.column]);
    // One transaction: PostgreSQL's DDL is transactional, so a cut leaves the table as it was.
    await knex.transaction((trx) =>
      trx.raw(`ALTER TABLE ?? ${clauses.join(', ')}`, [table, ...bindings]),
    );
    return;
  }
  const info = await knex(table).columnInfo();
  const clauses = columns.map(
    (c) => `MODIFY ?? DOUBLE ${info[c.column]?.nullable === false ? 'NOT NULL' : 'NULL'}`,
  );
  // One ALTER: InnoDB builds the new table and swaps it in, so a cut leaves the old one.
  await knex.raw(`ALTER TABLE ?? ${clauses.join(', ')}`, [table, ...columns.map((c) => c.column)]);
}

const quoted = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/**
 * SQLite cannot change a column's type: the table is rebuilt from its own CREATE statement with
 * the columns' type changed, its rows copied over (CAST to REAL), the old table dropped and the
 * new one renamed, with its indexes: all in one transaction, so a cut leaves the table as it was.
 */
async function rebuildSqlite(
  knex: Knex,
  table: string,
  columns: readonly NumberColumn[],
): Promise<void> {
  await knex.transaction(async (trx) => {
    const [created] = await trx('sqlite_master')
      .where({ type: 'table', name: table })
      .select<{ sql: string }[]>('sql');
    const indexes = await trx('sqlite_master')
      .where({ type: 'index', tbl_name: table })
      .whereNotNull('sql')
      .select<{ sql: string }[]>('sql');
    const staging = `${table}__dsync_migrating`;
    let sql = (created?.sql ?? '').replace(
      /^CREATE TABLE\s+("[^"]+"|`[^`]+`|\S+)/i,
      `CREATE TABLE ${quoted(staging)}`,
    );
    for (const { column } of columns) {
      const name = new RegExp(
        `([\`"]${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\`"]\\s+)[a-z]+(\\([^)]*\\))?`,
        'i',
      );
      if (!name.test(sql))
        throw new DsyncError(
          'E_MIGRATION',
          `cannot find column ${column} in the definition of ${table}`,
        );
      sql = sql.replace(name, '$1float');
    }
    const info = await trx(table).columnInfo();
    const all = Object.keys(info);
    const migrated = new Set(columns.map((c) => c.column));
    const select = all
      .map((c) => (migrated.has(c) ? `CAST(${quoted(c)} AS REAL)` : quoted(c)))
      .join(', ');
    await trx.raw(`DROP TABLE IF EXISTS ${quoted(staging)}`);
    await trx.raw(sql);
    await trx.raw(
      `INSERT INTO ${quoted(staging)} (${all.map(quoted).join(', ')}) SELECT ${select} FROM ${quoted(table)}`,
    );
    await trx.raw(`DROP TABLE ${quoted(table)}`);
    await trx.raw(`ALTER TABLE ${quoted(staging)} RENAME TO ${quoted(table)}`);
    for (const index of indexes) await trx.raw(index.sql);
  });
}

/** Turns a table's columns into doubles, the dialect's way. */
export async function migrateNumberColumns(
  knex: Knex,
  dialect: DialectName,
  table: string,
  columns: readonly NumberColumn[],
): Promise<void> {
  if (columns.length === 0) return;
  if (dialect === 'sqlite') return rebuildSqlite(knex, table, columns);
  return alterInPlace(knex, dialect, table, columns);
}
