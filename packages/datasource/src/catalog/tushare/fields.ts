import type { FieldInput } from '../../schema/field.js';

/** Field shorthands for the Tushare catalog, so each definition reads as its doc's table does. */
export const key = (name: string, type: 'string' | 'date' = 'string'): FieldInput => ({ name, type, nullable: false });
export const str = (name: string): FieldInput => ({ name, type: 'string' });
export const date = (name: string): FieldInput => ({ name, type: 'date' });
/** Prices in yuan: exact, four places as Tushare sends them. */
export const price = (name: string): FieldInput => ({ name, type: 'decimal', precision: 20, scale: 4 });
/** Amounts and share counts: large, kept exact. */
export const amount = (name: string): FieldInput => ({ name, type: 'decimal', precision: 24, scale: 4 });
/** Ratios and percentages: measurements, not money. */
export const ratio = (name: string): FieldInput => ({ name, type: 'float' });

/** The bar fields `daily`, `weekly` and `monthly` share, in the docs' order. */
export const BAR_FIELDS: FieldInput[] = [
  key('ts_code'),
  key('trade_date', 'date'),
  price('open'),
  price('high'),
  price('low'),
  price('close'),
  price('pre_close'),
  price('change'),
  ratio('pct_chg'),
  amount('vol'),
  amount('amount'),
];

/** Daily market data of the evening's close: Tushare publishes a day's bars around 15:00–17:00 Shanghai. */
export const DAILY_SYNC = { since: '19901219', schedule: '0 18 * * 1-5', freshness: '1d', availableAfter: '17:00' } as const;
