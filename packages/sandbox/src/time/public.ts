import { isoOf } from '../market/dates.js';
import type { Market, MarketOptions } from '../market/market.js';
import { usPricesOf } from '../ndl/ndl-us-prices.js';
import { marketOf } from '../options.js';
import { REVISED_SOURCES, revisionsFor } from './revisions.js';
import { publicationOf, timelineOf } from './timeline.js';

/** A revised row: its key (`ts_code`, or `ticker` for NDL) and when its final value replaces the preliminary one (ms). */
export interface Revision {
  readonly key: string;
  readonly at: number;
}

function dayOf(day: string): string {
  const iso = isoOf(day);
  if (iso === undefined)
    throw new RangeError(`expected a day as YYYY-MM-DD or YYYYMMDD, got "${day}"`);
  return iso;
}

/**
 * When a source's data of a day is published, in ms: the instant drawn for (seed, source,
 * day) within the catalog's `[from, by]` on day + lagDays. `sourceId` is a catalog id
 * (`tushare.daily`, `ndl.SHARADAR.SEP`; `ndl.SANDBOX.{CODE}` for a made-up series). For
 * the statements (`tushare.income`, …) `day` is a version's announcement date (`ann_date`).
 * Defined for any day, whether the market has data on it or not.
 * @throws RangeError for a source the catalog does not have, or a malformed day
 */
export function publishedAt(market: Market | MarketOptions, sourceId: string, day: string): number {
  publicationOf(sourceId);
  return timelineOf(marketOf(market)).publishedAt(sourceId, dayOf(day));
}

/**
 * The rows of a day that are revised (first served preliminary), with the instant each
 * takes its final value, ordered by key. Empty for a source without revisions (only
 * `tushare.daily`, `tushare.adj_factor` and `ndl.SHARADAR.SEP` have them) and for a day
 * without data.
 * @throws RangeError for a source the catalog does not have, or a malformed day
 */
export function revisionsOf(
  market: Market | MarketOptions,
  sourceId: string,
  day: string,
): Revision[] {
  publicationOf(sourceId);
  const iso = dayOf(day);
  if (!REVISED_SOURCES.includes(sourceId)) return [];
  const m = marketOf(market);
  const revisions = revisionsFor(m, sourceId);
  const us = sourceId.startsWith('ndl.') ? usPricesOf(m) : undefined;
  const out: Revision[] = [];
  for (const stock of m.stocks) {
    const hasRow =
      us !== undefined
        ? us.trades(stock, iso)
        : sourceId === 'tushare.daily'
          ? m.prices.traded(stock, iso)
          : m.prices.adjFactor(stock, iso) !== undefined;
    if (!hasRow || !revisions.revised(stock.index, iso)) continue;
    out.push({
      key: us !== undefined ? stock.ticker : stock.ts_code,
      at: revisions.revisedAt(stock.index, iso),
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
