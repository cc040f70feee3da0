import { createHash } from 'node:crypto';
import { addDays, isoOf } from '../market/dates.js';
import { isListed, type Stock } from '../market/stocks.js';
import { revisionsFor } from '../time/revisions.js';
import { FINAL, timelineOf } from '../time/timeline.js';
import { badParams } from './ndl-errors.js';
import { listOf, single, type NdlParams } from './ndl-params.js';
import type { NdlRow } from './ndl-series.js';
import type { NdlTable } from './ndl-tables.js';
import { MAX_UPDATE_LAG, type UsPrices } from './ndl-us-prices.js';

/**
 * Table queries (provider-protocols.md §5): `col=v`, `col=v1,v2`, `col.gt|gte|lt|lte=v` on
 * filterable columns, `qopts.columns`, `qopts.per_page`, `qopts.cursor_id`. Rows come in a
 * fixed order, date then ticker, and are produced lazily, day by day, so a page costs its
 * own rows and never the table's.
 */

export type FilterOp = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';

export interface NdlFilter {
  readonly column: string;
  readonly op: FilterOp;
  /** One value for the comparisons, any number for `eq`; dates as ISO. */
  readonly values: readonly string[];
}

export interface NdlTableQuery {
  readonly filters: readonly NdlFilter[];
  /** Indexes of the columns answered, in the order asked. */
  readonly columns: readonly number[];
  readonly perPage: number;
  readonly cursor: string | undefined;
}

/** NDL's page size, and the most a page may hold. */
export const MAX_PER_PAGE = 10_000;

const OPS = new Set<string>(['gt', 'gte', 'lt', 'lte']);
/** Parameters that are not filters. */
const NOT_FILTERS = new Set(['api_key']);
const QOPTS = new Set(['qopts.columns', 'qopts.per_page', 'qopts.cursor_id']);

function filterOf(table: NdlTable, name: string, raw: readonly string[]): NdlFilter {
  const dot = name.lastIndexOf('.');
  const suffix = name.slice(dot + 1);
  const [column, op] =
    dot > 0 && OPS.has(suffix) ? [name.slice(0, dot), suffix as FilterOp] : [name, 'eq' as const];
  const type = table.columns.find((c) => c.name === column)?.type;
  if (type === undefined) {
    throw badParams(`${table.vendor}/${table.table} has no column "${column}"`);
  }
  if (!table.filterable.includes(column)) throw badParams(`"${column}" is not filterable`);
  const values = raw.flatMap((value) => value.split(','));
  if (op !== 'eq' && values.length !== 1) throw badParams(`${name} takes one value`);
  if (type !== 'Date') return { column, op, values };
  return {
    column,
    op,
    values: values.map((value) => {
      const iso = isoOf(value);
      if (iso === undefined) throw badParams(`${name} "${value}" is not a date`);
      return iso;
    }),
  };
}

export function parseTableQuery(params: NdlParams, table: NdlTable): NdlTableQuery {
  const filters: NdlFilter[] = [];
  for (const [name, values] of params) {
    if (NOT_FILTERS.has(name)) continue;
    if (name.startsWith('qopts.')) {
      // Exports and the other options are not played: refuse them rather than ignore them.
      if (!QOPTS.has(name)) throw badParams(`${name} is not supported`);
    } else filters.push(filterOf(table, name, values));
  }
  const names = table.columns.map((c) => c.name);
  const asked = listOf(params, 'qopts.columns')?.filter((name) => name !== '');
  const columns = (asked?.length ? asked : names).map((name) => {
    const index = names.indexOf(name);
    if (index < 0) throw badParams(`qopts.columns names an unknown column "${name}"`);
    return index;
  });
  const perPageText = single(params, 'qopts.per_page');
  if (perPageText !== undefined && !/^[1-9]\d*$/.test(perPageText)) {
    throw badParams(`qopts.per_page "${perPageText}"`);
  }
  // Guess: a larger page is cut to the maximum rather than refused.
  const perPage = Math.min(MAX_PER_PAGE, Number(perPageText ?? MAX_PER_PAGE));
  return { filters, columns, perPage, cursor: single(params, 'qopts.cursor_id') };
}

const matches = (value: string, filter: NdlFilter): boolean => {
  const bound = filter.values[0] as string;
  switch (filter.op) {
    case 'eq':
      return filter.values.includes(value);
    case 'gt':
      return value > bound;
    case 'gte':
      return value >= bound;
    case 'lt':
      return value < bound;
    case 'lte':
      return value <= bound;
  }
};

/** The first and last day a filter on a date column lets through (undefined: unbounded). */
function bounds({ op, values }: NdlFilter): [string | undefined, string | undefined] {
  const sorted = [...values].sort();
  const value = sorted[0] as string;
  switch (op) {
    case 'eq':
      return [value, sorted.at(-1)];
    case 'gt':
      return [addDays(value, 1), undefined];
    case 'gte':
      return [value, undefined];
    case 'lt':
      return [undefined, addDays(value, -1)];
    case 'lte':
      return [undefined, value];
  }
}

/** The days a query can have rows on: the filters' bounds on `date` (and `lastupdated`). */
function dayRange(prices: UsPrices, filters: readonly NdlFilter[]): [string, string] {
  let [from, to] = [prices.market.options.start, prices.market.options.end];
  for (const filter of filters) {
    if (filter.column !== 'date' && filter.column !== 'lastupdated') continue;
    const [low, high] = bounds(filter);
    // A row is updated on its day or up to MAX_UPDATE_LAG days later, never before.
    const earliest =
      low === undefined ? undefined : addDays(low, filter.column === 'date' ? 0 : -MAX_UPDATE_LAG);
    if (earliest !== undefined && earliest > from) from = earliest;
    if (high !== undefined && high < to) to = high;
  }
  return [from, to];
}

/** A position in the row order: after this day and ticker. */
interface RowKey {
  readonly date: string;
  readonly ticker: string;
}

/** The (stock, day) pairs that have rows at `asOf`, in order, from after `after` on. */
export function* scanTable(
  prices: UsPrices,
  table: NdlTable,
  filters: readonly NdlFilter[],
  after: RowKey | undefined,
  asOf: number,
): Generator<{ stock: Stock; iso: string }> {
  const gate = timelineOf(prices.market).gate(table.sourceId, asOf);
  const tickerFilters = filters.filter((f) => f.column === 'ticker');
  const dateFilters = filters.filter((f) => f.column === 'date');
  const rowFilters = filters.filter((f) => f.column !== 'ticker' && f.column !== 'date');
  const stocks = prices.stocksByTicker.filter((s) =>
    tickerFilters.every((f) => matches(s.ticker, f)),
  );
  const [first, to] = dayRange(prices, filters);
  const from = after !== undefined && after.date > first ? after.date : first;
  if (from > to || stocks.length === 0) return;
  const passes = (stock: Stock, iso: string) =>
    isListed(stock, iso) &&
    rowFilters.every((f) => matches(table.filterValue(prices, f.column, stock, iso), f));
  for (const iso of prices.market.usCalendar.between(from, to)) {
    if (!gate.published(iso) || !dateFilters.every((f) => matches(iso, f))) continue;
    for (const stock of stocks) {
      if (after !== undefined && iso === after.date && stock.ticker <= after.ticker) continue;
      if (passes(stock, iso)) yield { stock, iso };
    }
  }
}

/** Ties a cursor to the filters it was made for, so it cannot page another query. */
const fingerprint = (table: NdlTable, filters: readonly NdlFilter[]): string => {
  const canonical = filters
    .map((f) => [f.column, f.op, [...f.values].sort()])
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([table.vendor, table.table, canonical]))
    .digest('base64url')
    .slice(0, 16);
};

/** Cursors are opaque to clients: base64 of the query's fingerprint and the last row's key. */
const encodeCursor = (query: string, key: RowKey): string =>
  Buffer.from(JSON.stringify([query, key.date, key.ticker])).toString('base64url');

function decodeCursor(cursor: string, query: string): RowKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badParams('qopts.cursor_id is not a cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== query) {
    throw badParams('qopts.cursor_id is not a cursor of this query');
  }
  const [, date, ticker] = parsed as unknown[];
  if (typeof date !== 'string' || isoOf(date) !== date || typeof ticker !== 'string') {
    throw badParams('qopts.cursor_id is damaged');
  }
  return { date, ticker };
}

/**
 * Builds rows in the asked columns, as served at `asOf` (a revised row preliminary until
 * its revision). Asked only for filterable columns (a sync checking which keys exist),
 * it skips the prices.
 */
export function rowBuilder(
  prices: UsPrices,
  table: NdlTable,
  columns: readonly number[],
  asOf: number,
): (stock: Stock, iso: string) => NdlRow {
  const names = columns.map((i) => table.columns[i]?.name as string);
  if (names.every((name) => table.filterable.includes(name))) {
    return (stock, iso) => names.map((name) => table.filterValue(prices, name, stock, iso));
  }
  const { preliminary } = table;
  const revised =
    preliminary === undefined || asOf === FINAL
      ? undefined
      : revisionsFor(prices.market, table.sourceId).preliminaryAt(asOf);
  return (stock, iso) => {
    const final = table.row(prices, stock, iso);
    const row =
      revised !== undefined && preliminary !== undefined && revised(stock.index, iso)
        ? preliminary(prices, stock, iso, final)
        : final;
    return columns.map((i) => row[i] ?? null);
  };
}

export interface NdlTablePage {
  readonly rows: NdlRow[];
  readonly nextCursor: string | null;
}

/** One page of a query at `asOf`: its rows in the asked columns, and the cursor of the next page. */
export function tablePage(
  prices: UsPrices,
  table: NdlTable,
  query: NdlTableQuery,
  asOf: number,
): NdlTablePage {
  const print = fingerprint(table, query.filters);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, print);
  const build = rowBuilder(prices, table, query.columns, asOf);
  const rows: NdlRow[] = [];
  let last: RowKey | undefined;
  for (const { stock, iso } of scanTable(prices, table, query.filters, after, asOf)) {
    // One row past the page only says there is a next page; it is not built.
    if (rows.length === query.perPage) {
      return { rows, nextCursor: encodeCursor(print, last as RowKey) };
    }
    rows.push(build(stock, iso));
    last = { date: iso, ticker: stock.ticker };
  }
  return { rows, nextCursor: null };
}
