import { DEFAULT_DECIMAL, type DataSource, type Field, type RecordBatch } from '@dsync/datasource';
import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import { BatchRejectedError } from '../errors.js';
import type { StoredRow, StoredValue } from '../values.js';

/**
 * Parquet columns typed from the field types, one column per field in definition order:
 *
 * | field      | Parquet                                                                     |
 * | ---------- | --------------------------------------------------------------------------- |
 * | `string`   | BYTE_ARRAY, STRING                                                          |
 * | `int`      | INT64 (always: one schema for every file of a source, whatever its values)  |
 * | `float`    | DOUBLE                                                                      |
 * | `decimal`  | DECIMAL(precision, scale) on INT32 (p ≤ 9), INT64 (p ≤ 18), else a fixed-   |
 * |            | length byte array: exact, from the decimal string, never through a float    |
 * | `date`     | INT32, DATE (days since 1970-01-01)                                         |
 * | `datetime` | INT64, TIMESTAMP(MILLIS, UTC)                                               |
 * | `bool`     | BOOLEAN                                                                     |
 * | `json`     | BYTE_ARRAY, JSON                                                            |
 *
 * Primary key and non-nullable fields are REQUIRED, the rest OPTIONAL. A decimal with more
 * fraction digits than its scale is rounded half away from zero, as SQL numerics do.
 */

const DAY_MS = 86_400_000;

/** The fewest bytes of two's complement that hold every unscaled value of `precision` digits. */
function decimalBytes(precision: number): number {
  const largest = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= largest) bytes += 1;
  return bytes;
}

function decimalElement(field: Field): SchemaElement {
  const precision = field.precision ?? DEFAULT_DECIMAL.precision;
  const scale = field.scale ?? DEFAULT_DECIMAL.scale;
  const decimal = { converted_type: 'DECIMAL', precision, scale } as const;
  const logical_type = { type: 'DECIMAL', precision, scale } as const;
  if (precision <= 9) return { name: field.name, type: 'INT32', ...decimal, logical_type };
  if (precision <= 18) return { name: field.name, type: 'INT64', ...decimal, logical_type };
  const type_length = decimalBytes(precision);
  return { name: field.name, type: 'FIXED_LEN_BYTE_ARRAY', type_length, ...decimal, logical_type };
}

function typeElement(field: Field): SchemaElement {
  const name = field.name;
  switch (field.type) {
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'int':
      return { name, type: 'INT64' };
    case 'float':
      return { name, type: 'DOUBLE' };
    case 'decimal':
      return decimalElement(field);
    case 'date':
      return { name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'datetime':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
    case 'bool':
      return { name, type: 'BOOLEAN' };
    case 'json':
      return { name, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };
  }
}

/** The Parquet schema of a source's files: the root, then one element per field. */
export function parquetSchema(source: DataSource): SchemaElement[] {
  const keys = new Set(source.primaryKey);
  return [
    { name: 'root', num_children: source.fields.length },
    ...source.fields.map((field): SchemaElement => ({
      ...typeElement(field),
      repetition_type: keys.has(field.name) || !field.nullable ? 'REQUIRED' : 'OPTIONAL',
    })),
  ];
}

/**
 * The unscaled integer of a decimal string at `scale` (`'10.5'`, 4 → `105000n`), rounded
 * half away from zero when the string has more fraction digits than `scale`.
 */
export function toUnscaledDecimal(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new RangeError(`not a decimal string: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  let unscaled = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  if ((fraction[scale] ?? '0') >= '5') unscaled += 1n;
  return sign === '-' ? -unscaled : unscaled;
}

/** The cells of one field as the Parquet writer takes them. */
function columnValues(field: Field, rows: readonly StoredRow[], sourceId: string): unknown[] {
  const limit = 10n ** BigInt(field.precision ?? DEFAULT_DECIMAL.precision);
  const convert = (value: StoredValue, row: number): unknown => {
    switch (field.type) {
      case 'int':
        return BigInt(value as number);
      case 'decimal': {
        const unscaled = toUnscaledDecimal(String(value), field.scale ?? DEFAULT_DECIMAL.scale);
        if (unscaled >= limit || -unscaled >= limit) {
          const why = `${String(value)} rounds beyond decimal(${field.precision}, ${field.scale})`;
          throw new BatchRejectedError(sourceId, row, field.name, why);
        }
        return unscaled;
      }
      case 'date':
        return Date.parse(`${String(value)}T00:00:00Z`) / DAY_MS;
      case 'datetime':
        return new Date(String(value));
      case 'json':
        return JSON.parse(String(value)) as unknown;
      default:
        return value;
    }
  };
  return rows.map((row, index) => {
    const value = row[field.name] ?? null;
    return value === null ? null : convert(value, index);
  });
}

/** Key-value metadata saying where a file's rows came from. */
function provenance(batch: RecordBatch): { key: string; value: string }[] {
  return [
    { key: 'dsync.source', value: batch.sourceId },
    { key: 'dsync.args_key', value: batch.argsKey },
    { key: 'dsync.page', value: String(batch.page) },
    { key: 'dsync.schema_version', value: String(batch.schemaVersion) },
    { key: 'dsync.fetched_at', value: batch.fetchedAt },
  ];
}

/**
 * A whole Parquet file of the batch's stored rows. An empty batch is a valid file with the
 * schema and no rows. hyparquet-writer is ESM-only and only Parquet needs it, so it is
 * loaded on the first Parquet write.
 * @throws BatchRejectedError when a decimal does not fit its precision once rounded
 */
export async function encodeParquet(
  rows: readonly StoredRow[],
  source: DataSource,
  batch: RecordBatch,
): Promise<Uint8Array> {
  const columnData: ColumnSource[] = source.fields.map((field) => ({
    name: field.name,
    data: columnValues(field, rows, source.id),
  }));
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buffer = parquetWriteBuffer({
    columnData,
    schema: parquetSchema(source),
    kvMetadata: provenance(batch),
    createdBy: 'dsync',
  });
  return new Uint8Array(buffer);
}
