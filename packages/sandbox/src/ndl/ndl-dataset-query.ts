import { dayNumber, isoOf, isoOfDay } from '../market/dates.js';
import type { Market } from '../market/market.js';
import { FINAL, timelineOf } from '../time/timeline.js';
import { badParams, NDL_ERRORS, NdlError } from './ndl-errors.js';
import { paramsFromObject, single, type NdlParams, type NdlParamsInput } from './ndl-params.js';
import { ndlSeries, type NdlRow, type NdlSeries } from './ndl-series.js';

/**
 * The time-series parameters (provider-protocols.md §4): trim by `start_date`/`end_date`,
 * then `collapse`, then `order`, then `limit`, then `column_index`.
 */

export const COLLAPSES = ['none', 'daily', 'weekly', 'monthly', 'quarterly', 'annual'] as const;
export type NdlCollapse = (typeof COLLAPSES)[number];

export interface NdlDatasetQuery {
  readonly startDate: string | undefined;
  readonly endDate: string | undefined;
  /** As given; unset means NDL's default, newest first. */
  readonly order: 'asc' | 'desc' | undefined;
  readonly limit: number | undefined;
  readonly columnIndex: number | undefined;
  readonly collapse: NdlCollapse | undefined;
}

const dateParam = (params: NdlParams, name: string): string | undefined => {
  const text = single(params, name);
  if (text === undefined) return undefined;
  const iso = isoOf(text);
  if (iso === undefined) throw badParams(`${name} "${text}" is not a date`);
  return iso;
};

const wholeParam = (params: NdlParams, name: string, min: number): number | undefined => {
  const text = single(params, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw badParams(`${name} "${text}"`);
  return Number(text);
};

function oneOf<T extends string>(params: NdlParams, name: string, allowed: readonly T[]) {
  const text = single(params, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw badParams(`${name} "${text}"`);
  return text as T;
}

/** Reads the parameters of a series request; ignores the ones it does not know. */
export function parseDatasetQuery(params: NdlParams, series: NdlSeries): NdlDatasetQuery {
  const columnIndex = wholeParam(params, 'column_index', 0);
  if (columnIndex !== undefined && columnIndex >= series.columnNames.length) {
    throw badParams(`column_index ${columnIndex} of ${series.columnNames.length} columns`);
  }
  // Only `none` of the transforms is played: the others would change the values served.
  oneOf(params, 'transform', ['none']);
  return {
    startDate: dateParam(params, 'start_date'),
    endDate: dateParam(params, 'end_date'),
    order: oneOf(params, 'order', ['asc', 'desc']),
    limit: wholeParam(params, 'limit', 1),
    columnIndex,
    collapse: oneOf(params, 'collapse', COLLAPSES),
  };
}

/**
 * The last day of the period a date falls in. Collapsed rows are dated at the period's end
 * (weeks end on Sunday), as NDL's collapsed series are, even when the period's last
 * observation is earlier.
 */
export function periodEnd(iso: string, collapse: NdlCollapse): string {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const lastOfMonth = (m: number) => isoOfDay(Date.UTC(year, m, 0) / 86_400_000);
  switch (collapse) {
    case 'none':
    case 'daily':
      return iso;
    case 'weekly': {
      const weekday = new Date(`${iso}T00:00:00Z`).getUTCDay();
      return isoOfDay(dayNumber(iso) + ((7 - weekday) % 7));
    }
    case 'monthly':
      return lastOfMonth(month);
    case 'quarterly':
      return lastOfMonth(Math.ceil(month / 3) * 3);
    case 'annual':
      return `${year}-12-31`;
  }
}

/** The last observation of each period, dated at the period's end; rows oldest first. */
function collapseRows(rows: readonly NdlRow[], collapse: NdlCollapse): NdlRow[] {
  if (collapse === 'none' || collapse === 'daily') return [...rows];
  const out: NdlRow[] = [];
  let current: string | undefined;
  for (const row of rows) {
    const end = periodEnd(row[0] as string, collapse);
    if (end === current) out[out.length - 1] = [end, ...row.slice(1)];
    else out.push([end, ...row.slice(1)]);
    current = end;
  }
  return out;
}

/** The columns and rows a query selects from a series' rows (oldest first). */
export function applyDatasetQuery(
  series: NdlSeries,
  all: readonly NdlRow[],
  query: NdlDatasetQuery,
): { columnNames: readonly string[]; rows: NdlRow[] } {
  const { startDate, endDate, columnIndex } = query;
  const trimmed = all.filter((row) => {
    const date = row[0] as string;
    return (
      (startDate === undefined || date >= startDate) && (endDate === undefined || date <= endDate)
    );
  });
  let rows = collapseRows(trimmed, query.collapse ?? 'none');
  if (query.order !== 'asc') rows.reverse();
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  if (columnIndex === undefined) return { columnNames: series.columnNames, rows };
  const pick = columnIndex === 0 ? [0] : [0, columnIndex];
  return {
    columnNames: pick.map((i) => series.columnNames[i] as string),
    rows: rows.map((row) => pick.map((i) => row[i] ?? null)),
  };
}

/** A series' rows (oldest first) whose day is published at `asOf`. */
export function publishedRows(market: Market, series: NdlSeries, asOf: number): NdlRow[] {
  const all = series.rows(market);
  if (asOf === FINAL) return all;
  const gate = timelineOf(market).gate(series.sourceId, asOf);
  return all.filter((row) => gate.published(row[0] as string));
}

/** The series, or NDL's QECx02. */
export function seriesOrThrow(databaseCode: string, datasetCode: string): NdlSeries {
  const series = ndlSeries(databaseCode, datasetCode);
  if (series === undefined) {
    throw new NdlError(NDL_ERRORS.unknownCode, `${databaseCode}/${datasetCode}`);
  }
  return series;
}

/**
 * The rows `GET /api/v3/datasets/{db}/{code}/data.json` serves for these parameters, as
 * arrays in column order (`Date` first), at the instant `asOf` (ms; by default once
 * everything is published). Throws `NdlError` where the server answers one.
 */
export function ndlDatasetRows(
  market: Market,
  databaseCode: string,
  datasetCode: string,
  params: NdlParamsInput = {},
  options: { readonly asOf?: number } = {},
): NdlRow[] {
  const series = seriesOrThrow(databaseCode, datasetCode);
  const query = parseDatasetQuery(paramsFromObject(params), series);
  return applyDatasetQuery(series, publishedRows(market, series, options.asOf ?? FINAL), query)
    .rows;
}
