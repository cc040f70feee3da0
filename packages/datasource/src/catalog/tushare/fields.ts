import type { FieldInput } from '../../schema/field.js';

/**
 * Field shorthands for the Tushare catalog, so each definition reads like its doc's table:
 * several names a line, typed by what they hold.
 */
export const key = (
  name: string,
  type: 'string' | 'date' = 'string',
  description?: string,
): FieldInput =>
  description === undefined
    ? { name, type, nullable: false }
    : { name, type, nullable: false, description };
export const str = (...names: string[]): FieldInput[] =>
  names.map((name) => ({ name, type: 'string' }));
export const date = (...names: string[]): FieldInput[] =>
  names.map((name) => ({ name, type: 'date' }));
export const int = (...names: string[]): FieldInput[] =>
  names.map((name) => ({ name, type: 'int' }));
/**
 * Numbers as Tushare sends them: JSON doubles, stored as doubles (REAL, double precision),
 * nothing rounded, so SQL and dataframes compute with them. A fixed-scale decimal would add
 * no exactness to a double, only rounding; a definition that wants one says `decimal`.
 */
export const num = (...names: string[]): FieldInput[] =>
  names.map((name) => ({ name, type: 'float' }));

/** The bar fields `daily`, `weekly`, `monthly` and `index_daily` share, in the docs' order. */
export const BAR_FIELDS: FieldInput[] = [
  key('ts_code'),
  key('trade_date', 'date'),
  ...num('open', 'high', 'low', 'close', 'pre_close', 'change', 'pct_chg', 'vol', 'amount'),
];

/** Daily market data of the evening's close, synced on weekday evenings once it is usually out. */
export const DAILY_SYNC = {
  since: '19901219',
  schedule: '30 20 * * 1-5',
  freshness: '1d',
} as const;

/**
 * Daily bars and factors: out on the trade day, commonly 15:00–17:00 Shanghai and some days
 * later; corrections come the next trade day, with its data.
 */
export const EVENING_BARS = { from: '15:00', by: '20:00', settle: '1 trading day' } as const;

/** Reference tables (calendar, lists): what a request answers is final when it is asked. */
export const AT_ONCE = { from: '00:00', by: '00:00', settle: 0 } as const;

export const tushareDoc = (id: number): string => `https://tushare.pro/document/2?doc_id=${id}`;
