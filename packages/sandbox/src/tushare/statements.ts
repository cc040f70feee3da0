import { builtInCatalog, type Field } from '@dsync/datasource';
import type { Market } from '../market/market.js';
import { addDays, compact } from '../market/dates.js';
import { intBetween, round, unit } from '../market/random.js';
import type { Stock } from '../market/stocks.js';

/**
 * Quarterly statements of the fake market. Every field the catalog lists gets a value made
 * from the seed by its type, so the replica answers with the real field names without
 * modelling accounting. About one (stock, period) in ten is restated: a second version with
 * a later announcement, the first one flagged `update_flag = 0` once the restatement is out.
 * Income, balance sheet and cash flow come in report types `1` (consolidated), `2` (single
 * quarter, not for Q1) and `6` (parent company), each with values of its own.
 */

export const STATEMENT_APIS = ['income', 'balancesheet', 'cashflow', 'fina_indicator'] as const;
export type StatementApi = (typeof STATEMENT_APIS)[number];

const QUARTER_ENDS = ['03-31', '06-30', '09-30', '12-31'];

/** Days after the quarter end a first announcement falls within, per quarter end. */
const ANNOUNCEMENT_DAYS: Readonly<Record<string, readonly [number, number]>> = {
  '03-31': [20, 30],
  '06-30': [20, 62],
  '09-30': [15, 31],
  '12-31': [60, 120],
};

export interface StatementVersion {
  readonly period: string;
  /** ISO announcement date. */
  readonly annDate: string;
  /** ISO date this version was published (the restatement's, for a restated version). */
  readonly fAnnDate: string;
  /**
   * Its `update_flag` once everything is out: `0` for an original restated within the
   * market's range, else `1`. Its values are drawn with it, so they never change.
   */
  readonly finalFlag: '0' | '1';
  /** The restatement's announcement date (ISO), for an original restated within the range. */
  readonly restatedOn: string | undefined;
}

/** The report types a statement of a period comes in: no single-quarter report for Q1. */
export const reportTypesOf = (period: string): readonly string[] =>
  period.endsWith('-03-31') ? ['1', '6'] : ['1', '2', '6'];

/**
 * The versions of one stock's statement for one quarter end, oldest first: those announced
 * by the market's end (when each is served is the caller's business).
 */
export function statementVersions(
  market: Market,
  stock: Stock,
  period: string,
): StatementVersion[] {
  const { seed } = market;
  // Companies announce by the statutory deadline: Q1 by Apr 30, the half year by Aug 31,
  // Q3 by Oct 31, the annual report by Apr 30 of the next year.
  const [earliest, latest] = ANNOUNCEMENT_DAYS[period.slice(5)] ?? [20, 30];
  const annDate = addDays(period, intBetween(seed, earliest, latest, 'ann', stock.index, period));
  const inRange = (iso: string) =>
    iso <= market.options.end && (stock.delistDate === undefined || iso < stock.delistDate);
  // Statements start with the first quarter end after listing (a prospectus's older figures are not served).
  if (period < market.options.start || period < stock.listDate || !inRange(annDate)) return [];
  const restated = addDays(annDate, intBetween(seed, 20, 90, 'restate', stock.index, period));
  if (unit(seed, 'restated?', stock.index, period) < 0.1 && inRange(restated)) {
    return [
      { period, annDate, fAnnDate: annDate, finalFlag: '0', restatedOn: restated },
      {
        period,
        annDate: restated,
        fAnnDate: restated,
        finalFlag: '1',
        restatedOn: undefined,
      },
    ];
  }
  return [{ period, annDate, fAnnDate: annDate, finalFlag: '1', restatedOn: undefined }];
}

/** Quarter ends within `[start, end]`, newest first. */
export function quarterEnds(start: string, end: string): string[] {
  const out: string[] = [];
  for (let year = Number(end.slice(0, 4)); year >= Number(start.slice(0, 4)); year--) {
    for (let q = 3; q >= 0; q--) {
      const period = `${year}-${QUARTER_ENDS[q]}`;
      if (period >= start && period <= end) out.push(period);
    }
  }
  return out;
}

const fieldsCache = new Map<StatementApi, readonly Field[]>();
const fieldsOf = (api: StatementApi): readonly Field[] => {
  let fields = fieldsCache.get(api);
  if (fields === undefined)
    fieldsCache.set(api, (fields = builtInCatalog().get(`tushare.${api}`)?.fields ?? []));
  return fields;
};

/** How a version is served: its current `update_flag` and its report type. */
interface Served {
  readonly updateFlag: '0' | '1';
  readonly reportType: string;
}

function valueOf(
  market: Market,
  api: StatementApi,
  stock: Stock,
  v: StatementVersion,
  served: Served,
  field: Field,
): unknown {
  switch (field.name) {
    case 'ts_code':
      return stock.ts_code;
    case 'ann_date':
      return compact(v.annDate);
    case 'f_ann_date':
      return compact(v.fAnnDate);
    case 'end_date':
      return compact(v.period);
    case 'update_flag':
      return served.updateFlag;
    case 'report_type':
      return served.reportType;
    case 'comp_type':
      return '1';
    case 'end_type':
      return String(QUARTER_ENDS.indexOf(v.period.slice(5)) + 1);
  }
  // Type 1 keeps the values drawn before report types were played; the others add their type.
  const type = served.reportType;
  const u =
    type === '1'
      ? unit(market.seed, api, field.name, stock.index, v.period, v.finalFlag)
      : unit(market.seed, api, field.name, stock.index, v.period, v.finalFlag, type);
  // Real statements leave many items empty; so does the replica, one cell in eight.
  const empty =
    type === '1'
      ? unit(market.seed, 'null', api, field.name, stock.index, v.period)
      : unit(market.seed, 'null', api, field.name, stock.index, v.period, type);
  if (empty < 0.125) return null;
  switch (field.type) {
    case 'decimal':
      return field.precision !== undefined && field.precision >= 24
        ? round((u - 0.15) * 2e10 * (1 + (stock.index % 7)), 2)
        : round(u * 5, 4);
    case 'float':
      return round((u - 0.2) * 80, 4);
    case 'int':
      return Math.floor(u * 1000);
    case 'date':
      return compact(addDays(v.period, Math.floor(u * 90)));
    default:
      return String(Math.floor(u * 10));
  }
}

/** One version of a statement as an API row (field name → value), in one report type. */
export function statementRow(
  market: Market,
  api: StatementApi,
  stock: Stock,
  version: StatementVersion,
  served: Served,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const field of fieldsOf(api))
    row[field.name] = valueOf(market, api, stock, version, served, field);
  return row;
}
