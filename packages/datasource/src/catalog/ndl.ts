import type { DataSourceInput } from '../schema/data-source.js';
import type { ExchangeCalendarId } from '../calendars/exchange-calendars.js';
import type { FieldInput } from '../schema/field.js';
import type { PublicationInput } from '../schema/publication.js';

/**
 * Nasdaq Data Link (formerly Quandl). Its time series and tables are too many to list, so
 * the catalog has two factories that build a definition from a dataset's code or a table's
 * name and columns, and a few ready-made entries built with them.
 */

const NDL_SYNC = { since: '1990-01-01', schedule: '0 10 * * 2-6', freshness: '1d' } as const;

/**
 * Tables "update once a day with a 1-day lag": a day's rows come overnight, by 09:00 New
 * York the next day, and may be revised until the next update.
 */
const TABLE_PUBLICATION = { from: '00:00', by: '09:00', lagDays: 1, settle: '1d' } as const;

export interface NdlTimeSeriesOptions {
  /** The database code, e.g. `LBMA`. */
  readonly database: string;
  /** The dataset code, e.g. `GOLD`. */
  readonly dataset: string;
  /** Value columns after `Date`: local names, types, and the remote column names. */
  readonly columns: readonly FieldInput[];
  /** @default `ndl.{database}.{dataset}` */
  readonly id?: string;
  readonly title?: string;
  /** @default "1990-01-01" */
  readonly since?: string;
  /** When a day's value is out (New York time) and how long it may change. @default the same evening, settled a day later */
  readonly publication?: PublicationInput;
  /** The exchange whose open days have a value, for gap audits. @default "XNYS" */
  readonly calendar?: ExchangeCalendarId;
}

/**
 * A time series, `GET /api/v3/datasets/{database}/{dataset}/data.json`: one row per date,
 * no paging, fetched in ten-year windows of `start_date`/`end_date` so no answer is too big.
 */
export function ndlTimeSeries(options: NdlTimeSeriesOptions): DataSourceInput {
  const { database, dataset } = options;
  return {
    id: options.id ?? `ndl.${database}.${dataset}`,
    provider: 'ndl',
    api: `datasets/${database}/${dataset}`,
    title: options.title ?? `${database}/${dataset} time series`,
    docs: 'https://docs.data.nasdaq.com/docs/time-series',
    fields: [{ name: 'date', type: 'date', nullable: false, from: 'Date' }, ...options.columns],
    primaryKey: ['date'],
    params: { order: 'asc' },
    args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 3650 },
    pagination: { kind: 'none' },
    // A value per open day: a day with none stored is a hole.
    coverage: { dateField: 'date', calendar: options.calendar ?? 'XNYS' },
    sync: { ...NDL_SYNC, since: options.since ?? NDL_SYNC.since },
    // Time series update "at their own hours": a day's value by that evening unless told.
    publication: { from: '12:00', by: '18:00', lagDays: 0, settle: '1d', ...options.publication },
  };
}

export interface NdlTableOptions {
  /** The vendor code, e.g. `SHARADAR`. */
  readonly vendor: string;
  /** The table code, e.g. `SEP`. */
  readonly table: string;
  readonly fields: readonly FieldInput[];
  readonly primaryKey: readonly string[];
  /** The filterable date column windows are cut on. @default "date" */
  readonly dateColumn?: string;
  /** @default `ndl.{vendor}.{table}` */
  readonly id?: string;
  readonly title?: string;
  /** Expected rows per calendar day, to size the date windows. @default 5000 */
  readonly rowsPerDay?: number;
  /** @default "1990-01-01" */
  readonly since?: string;
  /** The exchange whose open days have rows, for gap audits. @default "XNYS" */
  readonly calendar?: ExchangeCalendarId;
}

/**
 * A table, `GET /api/v3/datatables/{vendor}/{table}.json`: filtered by date windows
 * (`date.gte`, `date.lte`) and cursor paged through `meta.next_cursor_id`, 10,000 rows a page.
 */
export function ndlTable(options: NdlTableOptions): DataSourceInput {
  const { vendor, table } = options;
  const column = options.dateColumn ?? 'date';
  return {
    id: options.id ?? `ndl.${vendor}.${table}`,
    provider: 'ndl',
    api: `datatables/${vendor}/${table}`,
    title: options.title ?? `${vendor}/${table} table`,
    docs: 'https://docs.data.nasdaq.com/docs/tables-1',
    fields: [...options.fields],
    primaryKey: [...options.primaryKey],
    args: {
      kind: 'date-window',
      startParam: `${column}.gte`,
      endParam: `${column}.lte`,
      rowsPerDay: options.rowsPerDay ?? 5000,
    },
    pagination: { kind: 'cursor', pageSize: 10000 },
    rowCap: 10000,
    // Rows on every open day of the exchange: a day with none stored is a hole.
    coverage: { dateField: column, calendar: options.calendar ?? 'XNYS' },
    sync: { ...NDL_SYNC, since: options.since ?? NDL_SYNC.since },
    publication: TABLE_PUBLICATION,
  };
}

// Numbers as NDL sends them, JSON doubles: stored as doubles, nothing rounded.
const num = (name: string, from: string): FieldInput => ({ name, type: 'float', from });
const col = (name: string, type: FieldInput['type'] = 'float'): FieldInput => ({ name, type });

export const ndlLbmaGold = ndlTimeSeries({
  database: 'LBMA',
  dataset: 'GOLD',
  title: 'LBMA gold price fixings',
  // The PM fixing is at 15:00 London, 10:00 New York; NDL has it by the New York evening.
  publication: { from: '11:00', by: '18:00', lagDays: 0, settle: '1d' },
  columns: [
    num('usd_am', 'USD (AM)'),
    num('usd_pm', 'USD (PM)'),
    num('gbp_am', 'GBP (AM)'),
    num('gbp_pm', 'GBP (PM)'),
    num('euro_am', 'EURO (AM)'),
    num('euro_pm', 'EURO (PM)'),
  ],
  since: '1968-01-02',
});

const TICKER_DATE: FieldInput[] = [
  { name: 'ticker', type: 'string', nullable: false },
  { name: 'date', type: 'date', nullable: false },
];

export const ndlSharadarSep = ndlTable({
  vendor: 'SHARADAR',
  table: 'SEP',
  title: 'Sharadar equity prices',
  fields: [
    ...TICKER_DATE,
    ...['open', 'high', 'low', 'close'].map((name) => col(name)),
    col('volume', 'float'),
    col('closeadj'),
    col('closeunadj'),
    { name: 'lastupdated', type: 'date' },
  ],
  primaryKey: ['ticker', 'date'],
  rowsPerDay: 6000,
  since: '1998-01-01',
});

export const ndlWikiPrices = ndlTable({
  vendor: 'WIKI',
  table: 'PRICES',
  title: 'Quandl WIKI end-of-day US stock prices',
  fields: [
    ...TICKER_DATE,
    ...['open', 'high', 'low', 'close'].map((name) => col(name)),
    col('volume', 'float'),
    { name: 'ex_dividend', type: 'float', from: 'ex-dividend' },
    col('split_ratio', 'float'),
    ...['adj_open', 'adj_high', 'adj_low', 'adj_close'].map((name) => col(name)),
    col('adj_volume', 'float'),
  ],
  primaryKey: ['ticker', 'date'],
  rowsPerDay: 3200,
  since: '1962-01-02',
});

export const ndlCatalog = [ndlLbmaGold, ndlSharadarSep, ndlWikiPrices] as const;
