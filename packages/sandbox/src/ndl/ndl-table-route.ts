import type { Market } from '../market/market.js';
import { FINAL } from '../time/timeline.js';
import { csvLine, CSV_TYPE, JSON_TYPE, type NdlAnswer, type NdlFormat } from './ndl-answer.js';
import { NDL_ERRORS, NdlError } from './ndl-errors.js';
import { paramsFromObject, type NdlParams, type NdlParamsInput } from './ndl-params.js';
import type { NdlRow } from './ndl-series.js';
import { parseTableQuery, rowBuilder, scanTable, tablePage } from './ndl-table-query.js';
import { ndlTable, type NdlTable } from './ndl-tables.js';
import { usPricesOf } from './ndl-us-prices.js';

/** The table, or NDL's QECx02. */
export function tableOrThrow(vendor: string, table: string): NdlTable {
  const found = ndlTable(vendor, table);
  if (found === undefined) throw new NdlError(NDL_ERRORS.unknownCode, `${vendor}/${table}`);
  return found;
}

/** `{"datatable":{"data","columns"},"meta":{"next_cursor_id"}}`, or the page as CSV. */
export function answerTable(
  market: Market,
  vendor: string,
  tableCode: string,
  format: NdlFormat,
  params: NdlParams,
  asOf: number,
): NdlAnswer {
  const table = tableOrThrow(vendor, tableCode);
  const query = parseTableQuery(params, table);
  const page = tablePage(usPricesOf(market), table, query, asOf);
  const columns = query.columns.map((i) => table.columns[i] as NdlTable['columns'][number]);
  if (format === 'csv') {
    // Guess: CSV has no room for the cursor, so a CSV answer is one page.
    const body = [csvLine(columns.map((c) => c.name)), ...page.rows.map(csvLine)].join('');
    return { status: 200, contentType: CSV_TYPE, body };
  }
  const body = {
    datatable: { data: page.rows, columns },
    meta: { next_cursor_id: page.nextCursor },
  };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

/**
 * Every row `GET /api/v3/datatables/{vendor}/{table}.json` serves for these parameters,
 * over all its pages, as arrays in the answered columns' order, at the instant `asOf` (ms;
 * by default once everything is published and revised). `qopts.per_page` and
 * `qopts.cursor_id` are ignored. Throws `NdlError` where the server answers one.
 */
export function ndlTableRows(
  market: Market,
  vendor: string,
  tableCode: string,
  params: NdlParamsInput = {},
  options: { readonly asOf?: number } = {},
): NdlRow[] {
  const table = tableOrThrow(vendor, tableCode);
  const query = parseTableQuery(paramsFromObject(params), table);
  const prices = usPricesOf(market);
  const asOf = options.asOf ?? FINAL;
  const rows: NdlRow[] = [];
  const build = rowBuilder(prices, table, query.columns, asOf);
  for (const { stock, iso } of scanTable(prices, table, query.filters, undefined, asOf)) {
    rows.push(build(stock, iso));
  }
  return rows;
}
