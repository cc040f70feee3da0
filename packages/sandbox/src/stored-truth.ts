import type { DataSource } from '@dsync/datasource';
import { groundTruth, type TruthOptions } from './ground-truth.js';
import type { Market } from './market/market.js';
import type { MarketOptions } from './market/market.js';

const text = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** A served row as dsync's storage reads it back: ISO dates, exact decimals without trailing zeros. */
function asStored(source: DataSource, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of source.fields) {
    const value = row[field.from ?? field.name];
    if (value === null || value === undefined) out[field.name] = null;
    else if (field.type === 'date')
      out[field.name] = text(value).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    else if (field.type === 'decimal') {
      const digits = text(value);
      out[field.name] = digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
    } else out[field.name] = value;
  }
  return out;
}

/**
 * The ground truth of a Tushare source's table over a request's params, as a complete sync
 * stores it and the storage reads it back (`readRows`): stored form, ordered by primary key.
 * `asOf` (ms) answers as a replica whose clock reads it; by default the final truth.
 */
export function storedTruth(
  market: Market | MarketOptions,
  source: DataSource,
  params: Readonly<Record<string, string | number>>,
  options: TruthOptions = {},
): Record<string, unknown>[] {
  const compare = (a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const k of source.primaryKey) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  return [...groundTruth(market, options).tushare(source.api, params)]
    .map((row) => asStored(source, row))
    .sort(compare);
}
