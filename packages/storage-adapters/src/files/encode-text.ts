import { stringify } from 'csv-stringify/sync';
import type { DataSource } from '@dsync/datasource';
import type { StoredRow } from '../values.js';

/**
 * CSV: a header of the source's field names in definition order, then one record per row.
 * Nulls are empty cells, booleans `true`/`false` (csv-stringify's default writes false as
 * an empty cell, which would read back as null), decimals their exact strings, dates
 * `YYYY-MM-DD`, json fields their JSON text. An empty batch is the header alone, so every
 * file says what its columns are.
 */
export function encodeCsv(rows: readonly StoredRow[], source: DataSource): Uint8Array {
  const columns = source.fields.map((field) => field.name);
  const text = stringify(
    rows.map((row) => columns.map((column) => row[column] ?? null)),
    {
      header: true,
      columns,
      cast: { boolean: (value) => (value ? 'true' : 'false') },
    },
  );
  return Buffer.from(text, 'utf8');
}

/**
 * JSON Lines: one object per row, keys the field names in definition order, each line ended
 * by `\n`; an empty batch is an empty file. Values are the stored ones (decimals stay
 * strings: a JSON number would go through a float in most readers), except json fields,
 * which are embedded as JSON rather than as a string holding JSON, as a JSON reader expects.
 */
export function encodeJsonl(rows: readonly StoredRow[], source: DataSource): Uint8Array {
  const jsonFields = source.fields.filter((field) => field.type === 'json').map((f) => f.name);
  const lines = rows.map((row) => {
    if (jsonFields.length === 0) return JSON.stringify(row);
    const embedded: Record<string, unknown> = { ...row };
    for (const name of jsonFields) {
      const value = row[name];
      if (typeof value === 'string') embedded[name] = JSON.parse(value) as unknown;
    }
    return JSON.stringify(embedded);
  });
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}
