import type { DataSource, Field } from '@dsync/datasource';
import type { Knex } from 'knex';

/**
 * Rows as read back from any dialect, in one form: dates and datetimes as ISO strings,
 * decimals as exact strings without trailing zeros, booleans, parsed JSON, numbers.
 */
export type ReadRow = Record<string, unknown>;

const pad = (n: number) => String(n).padStart(2, '0');

/** A driver value as text: drivers return strings, numbers or bigints for these columns. */
const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
      ? String(value)
      : JSON.stringify(value);

function readValue(value: unknown, field: Field): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'date':
      if (value instanceof Date)
        return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
      return text(value).slice(0, 10);
    case 'datetime':
      return new Date(
        value instanceof Date
          ? value
          : `${text(value).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text(value)) ? '' : 'Z'}`,
      ).toISOString();
    case 'decimal': {
      const digits = text(value);
      return digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
    }
    case 'int':
    case 'float':
      return Number(value);
    case 'bool':
      return value === true || value === 1 || value === '1';
    case 'json':
      return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    default:
      return text(value);
  }
}

export interface ReadOptions {
  /** @default every row */
  readonly limit?: number;
  /** @default 0 */
  readonly offset?: number;
}

/** A page of a source's stored table, ordered by its primary key. */
export async function readRows(
  knex: Knex,
  source: DataSource,
  options: ReadOptions = {},
): Promise<ReadRow[]> {
  let query = knex(source.storage.table)
    .select(source.fields.map((f) => f.name))
    .orderBy([...source.primaryKey]);
  if (options.limit !== undefined) query = query.limit(options.limit);
  if (options.offset !== undefined) query = query.offset(options.offset);
  const rows = (await query) as Record<string, unknown>[];
  return rows.map((row) =>
    Object.fromEntries(source.fields.map((f) => [f.name, readValue(row[f.name], f)])),
  );
}
