import type { DataSource, Field, RecordBatch } from '@dsync/datasource';
import { BatchRejectedError } from './errors.js';

/**
 * Turns a batch's cells into the values storage keeps, checked against the source's fields
 * once, in one place, for every adapter:
 * - `date`: `YYYYMMDD` (Tushare) or `YYYY-MM-DD` (NDL) → `YYYY-MM-DD`;
 * - `datetime`: `YYYY-MM-DD HH:MM:SS` or ISO → ISO 8601 UTC;
 * - `decimal`: kept as a decimal string, never through a float (exact in every dialect);
 * - `int`, `float`: numbers (numeric strings accepted); `bool`: true/false, 1/0, "Y"/"N";
 * - `json`: any JSON value, stored as text where the dialect has no JSON type;
 * - `string`: strings (numbers are turned into strings: codes such as `000001` must not lose zeros).
 * A cell that does not fit, or a missing primary key value, rejects the whole batch.
 */

export type StoredValue = string | number | boolean | null;
export type StoredRow = Record<string, StoredValue>;

type Converter = (value: unknown, field: Field) => StoredValue;

class Misfit extends Error {}

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

// A batch repeats the same few dates thousands of times: remember the ones already checked.
const checkedDates = new Map<string, string>();

function toDate(value: unknown): string {
  const known = typeof value === 'string' ? checkedDates.get(value) : undefined;
  if (known !== undefined) return known;
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (m === null)
    throw new Misfit(`expected a date (YYYYMMDD or YYYY-MM-DD), got ${JSON.stringify(value)}`);
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const check = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== iso)
    throw new Misfit(`no such date: ${JSON.stringify(value)}`);
  if (checkedDates.size > 100_000) checkedDates.clear();
  checkedDates.set(value as string, iso);
  return iso;
}

/** `YYYY-MM-DD`, then `THH:MM[:SS[.fff…]]` (or a space), then `Z` or an offset: nothing looser. */
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?([zZ]|[+-]\d{2}:?\d{2})?$/;

/**
 * A date and time, UTC unless it names its offset, as ISO 8601 UTC with milliseconds (further
 * digits cut). Strict: `Date.parse` would take "12" for 2001-12-01 and roll 2024-02-30 over.
 */
function toDatetime(value: unknown): string {
  const m = typeof value === 'string' ? DATETIME.exec(value.replace(' ', 'T')) : null;
  const misfit = () => new Misfit(`expected a date and time, got ${JSON.stringify(value)}`);
  if (m === null) throw misfit();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const ms = Number(`${m[7] ?? ''}000`.slice(0, 3));
  const zone = m[8] ?? 'Z';
  const local = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour, minute, second, ms);
  const back = new Date(local);
  // A component out of range (2024-02-30, 25:00) rolls over: refused, not moved.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() + 1 !== month ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  )
    throw misfit();
  const offset =
    zone === 'Z' || zone === 'z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) *
        (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) *
        60_000;
  return new Date(local - offset).toISOString();
}

/** Rounds a plain decimal string to `scale` places, half away from zero, as the SQL dialects do. */
function roundDecimal(plain: string, scale: number): string {
  const dot = plain.indexOf('.');
  if (dot === -1 || plain.length - dot - 1 <= scale) return plain;
  const negative = plain.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? plain.slice(1) : plain).split('.');
  if (fraction.length <= scale) return plain;
  const kept =
    BigInt(`${whole}${fraction.slice(0, scale)}`) + (Number(fraction[scale]) >= 5 ? 1n : 0n);
  const digits = kept.toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative && kept !== 0n ? `-${text}` : text;
}

function toDecimal(value: unknown, field: Field): string {
  const scale = field.scale ?? 4;
  // The common case, a float from JSON: checked by magnitude, no parsing.
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = String(value);
    if (!text.includes('e')) {
      if (Math.abs(value) >= 10 ** ((field.precision ?? 20) - scale)) {
        throw new Misfit(
          `${text} has more digits than decimal(${field.precision}, ${field.scale}) holds`,
        );
      }
      return roundDecimal(text, scale);
    }
  }
  const text =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : typeof value === 'string'
        ? value.trim()
        : '';
  const plain = expandExponent(text);
  const m = /^-?(\d+)(?:\.(\d+))?$/.exec(plain);
  if (m === null) throw new Misfit(`expected a decimal number, got ${JSON.stringify(value)}`);
  const intDigits = (m[1] ?? '').replace(/^0+(?=\d)/, '').length;
  if (intDigits > (field.precision ?? 20) - (field.scale ?? 4)) {
    throw new Misfit(
      `${plain} has more digits than decimal(${field.precision}, ${field.scale}) holds`,
    );
  }
  // Every adapter keeps the same value: a database column would round to its scale anyway.
  return roundDecimal(plain, field.scale ?? 4);
}

/**
 * `1.5e-7` → `0.00000015`, by moving the point in the digits: numbers print in exponent form
 * below 1e-6 and from 1e21, and going through a float again would lose digits.
 */
function expandExponent(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]?\d+)$/i.exec(text);
  if (m === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const digits = `${whole}${fraction}`;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function toNumber(value: unknown, integer: boolean): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n)) throw new Misfit(`expected a number, got ${JSON.stringify(value)}`);
  if (integer && !Number.isSafeInteger(n))
    throw new Misfit(`expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function toBool(value: unknown): boolean {
  if (value === true || value === 1 || value === '1' || value === 'Y' || value === 'true')
    return true;
  if (value === false || value === 0 || value === '0' || value === 'N' || value === 'false')
    return false;
  throw new Misfit(`expected a boolean, got ${JSON.stringify(value)}`);
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Misfit(`expected text, got ${JSON.stringify(value)}`);
}

const CONVERTERS: Readonly<Record<Field['type'], Converter>> = {
  string: toText,
  int: (v) => toNumber(v, true),
  float: (v) => toNumber(v, false),
  decimal: toDecimal,
  date: toDate,
  datetime: toDatetime,
  bool: toBool,
  json: (v) => JSON.stringify(v),
};

/**
 * The batch's rows as stored rows, keyed by field name (fields the batch lacks are null).
 * @throws BatchRejectedError naming the source, the row and the field
 */
export function toStoredRows(batch: RecordBatch, source: DataSource): StoredRow[] {
  const fields = new Map(source.fields.map((f) => [f.name, f]));
  const unknown = batch.columns.find((c) => !fields.has(c));
  if (unknown !== undefined)
    throw new BatchRejectedError(source.id, 0, unknown, 'not a field of the source');
  const keys = new Set(source.primaryKey);
  return batch.rows.map((cells, index) => {
    const row: StoredRow = {};
    for (const field of source.fields) row[field.name] = null;
    batch.columns.forEach((column, i) => {
      const field = fields.get(column) as Field;
      const value = cells[i];
      if (value === null || value === undefined || (value === '' && field.type !== 'string')) {
        if (keys.has(column) || !field.nullable)
          throw new BatchRejectedError(source.id, index, column, 'missing, but required');
        return;
      }
      try {
        row[column] = CONVERTERS[field.type](value, field);
      } catch (error) {
        if (error instanceof Misfit)
          throw new BatchRejectedError(source.id, index, column, error.message);
        throw error;
      }
    });
    for (const key of source.primaryKey) {
      if (row[key] === null)
        throw new BatchRejectedError(source.id, index, key, 'primary key value missing');
    }
    return row;
  });
}

/** The primary key of a stored row as one string, for deduplication in memory. */
export const primaryKeyOf = (row: StoredRow, source: DataSource): string =>
  JSON.stringify(source.primaryKey.map((k) => row[k] ?? null));
