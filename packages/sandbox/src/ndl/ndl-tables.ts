import { round } from '../market/random.js';
import type { Stock } from '../market/stocks.js';
import { revisionsFor } from '../time/revisions.js';
import type { NdlCell } from './ndl-series.js';
import type { UsBar, UsPrices } from './ndl-us-prices.js';

/**
 * The tables the replica serves (`/api/v3/datatables/{vendor}/{table}`), with the catalog's
 * columns: `SHARADAR/SEP` and `WIKI/PRICES`, one row per listed stock per open US day.
 */

export interface NdlTableColumn {
  readonly name: string;
  /** NDL's column type, as `columns[].type` reports it. */
  readonly type: string;
}

export interface NdlTable {
  readonly vendor: string;
  readonly table: string;
  /** The catalog id whose publication it follows (`ndl.SHARADAR.SEP`). */
  readonly sourceId: string;
  readonly columns: readonly NdlTableColumn[];
  /** The columns a filter may name (NDL rejects filters on the others). */
  readonly filterable: readonly string[];
  /** A filterable column's value, computed without the rest of the row. */
  filterValue(prices: UsPrices, column: string, stock: Stock, iso: string): string;
  /** Every column of the row of a stock on a day it trades. */
  row(prices: UsPrices, stock: Stock, iso: string): NdlCell[];
  /** For a table with revisions: a revised row as first published, from its final row. */
  readonly preliminary?: (
    prices: UsPrices,
    stock: Stock,
    iso: string,
    row: readonly NdlCell[],
  ) => NdlCell[];
}

const PRICE = 'BigDecimal(34,12)';
const columns = (spec: readonly (readonly [string, string])[]): NdlTableColumn[] =>
  spec.map(([name, type]) => ({ name, type }));

/** The key columns every table shares. */
function keyValue(column: string, stock: Stock, iso: string): string {
  if (column === 'ticker') return stock.ticker;
  if (column === 'date') return iso;
  throw new RangeError(`${column} is not a key column`);
}

/** Both tables open with the key and the unadjusted daily bar; only what follows differs. */
const BAR_COLUMNS = [
  ['ticker', 'String'],
  ['date', 'Date'],
  ['open', PRICE],
  ['high', PRICE],
  ['low', PRICE],
  ['close', PRICE],
  ['volume', 'BigDecimal(37,15)'],
] as const;

/** The cells of `BAR_COLUMNS`, in their order. */
const barCells = (stock: Stock, iso: string, bar: UsBar): NdlCell[] => [
  stock.ticker,
  iso,
  bar.open,
  bar.high,
  bar.low,
  bar.close,
  bar.volume,
];

/** Where SEP's revised cells are. */
const SEP_VOLUME = 6;
const SEP_CLOSEADJ = 7;

// Guess: SEP's real column types are not in any source seen; WIKI's are observed.
const SEP: NdlTable = {
  vendor: 'SHARADAR',
  table: 'SEP',
  sourceId: 'ndl.SHARADAR.SEP',
  columns: columns([
    ...BAR_COLUMNS,
    ['closeadj', PRICE],
    ['closeunadj', PRICE],
    ['lastupdated', 'Date'],
  ]),
  filterable: ['ticker', 'date', 'lastupdated'],
  filterValue: (prices, column, stock, iso) =>
    column === 'lastupdated' ? prices.lastUpdated(stock, iso) : keyValue(column, stock, iso),
  row(prices, stock, iso) {
    const bar = prices.bar(stock, iso);
    const closeadj = round(bar.close * prices.adjustment(stock, iso), 3);
    // No splits are played, so the split-adjusted and unadjusted closes agree.
    return [...barCells(stock, iso, bar), closeadj, bar.close, prices.lastUpdated(stock, iso)];
  },
  // Before its revision: the volume scaled by a drawn 0.9–0.99, closeadj 0.1–1% lower.
  preliminary: (prices, stock, iso, row) => {
    const u = revisionsFor(prices.market, 'ndl.SHARADAR.SEP').draw(stock.index, iso);
    const volume = Math.round((row[SEP_VOLUME] as number) * (0.9 + 0.09 * u));
    const final = row[SEP_CLOSEADJ] as number;
    const lower = round(final * (0.999 - 0.009 * u), 3);
    const out = [...row];
    out[SEP_VOLUME] = volume;
    out[SEP_CLOSEADJ] = lower === final ? round(final + 0.001, 3) : lower;
    return out;
  },
};

const WIKI: NdlTable = {
  vendor: 'WIKI',
  table: 'PRICES',
  sourceId: 'ndl.WIKI.PRICES',
  columns: columns([
    ...BAR_COLUMNS,
    ['ex-dividend', 'BigDecimal(42,20)'],
    ['split_ratio', 'double'],
    ['adj_open', 'BigDecimal(50,28)'],
    ['adj_high', 'BigDecimal(50,28)'],
    ['adj_low', 'BigDecimal(50,28)'],
    ['adj_close', 'BigDecimal(50,28)'],
    ['adj_volume', 'double'],
  ]),
  filterable: ['ticker', 'date'],
  filterValue: (_prices, column, stock, iso) => keyValue(column, stock, iso),
  row(prices, stock, iso) {
    const bar = prices.bar(stock, iso);
    const factor = prices.adjustment(stock, iso);
    const adjusted = (value: number) => round(value * factor, 4);
    return [
      ...barCells(stock, iso, bar),
      prices.dividendOn(stock, iso),
      1,
      adjusted(bar.open),
      adjusted(bar.high),
      adjusted(bar.low),
      adjusted(bar.close),
      bar.volume,
    ];
  },
};

const TABLES: readonly NdlTable[] = [SEP, WIKI];

/** The table behind a vendor and table code, or undefined (NDL's QECx02). */
export const ndlTable = (vendor: string, table: string): NdlTable | undefined =>
  TABLES.find((t) => t.vendor === vendor && t.table === table);
