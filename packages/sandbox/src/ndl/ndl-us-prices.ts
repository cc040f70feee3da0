import { addDays } from '../market/dates.js';
import type { Market } from '../market/market.js';
import { barOf } from '../market/prices.js';
import { intBetween, round, unit } from '../market/random.js';
import { isListed, type Stock } from '../market/stocks.js';

/**
 * US-style daily prices for the NDL tables: the market's price model on the US calendar
 * (`dailyBar` follows the Chinese one), one cash dividend a year, no splits. A row is
 * computed alone from (stock, day), so a table is never held in memory.
 */

export interface UsBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Shares. */
  readonly volume: number;
}

export interface Dividend {
  readonly exDate: string;
  /** Cash per share. */
  readonly amount: number;
  /** What prices before the ex-date are multiplied by: 1 − amount / previous close. */
  readonly factor: number;
}

/** At most this many days between a SEP row's date and its `lastupdated`. */
export const MAX_UPDATE_LAG = 20;

export class UsPrices {
  readonly market: Market;
  /** The stocks in ticker order, the order table rows come in within a day. */
  readonly stocksByTicker: readonly Stock[];
  readonly #dividends = new Map<number, readonly Dividend[]>();

  constructor(market: Market) {
    this.market = market;
    this.stocksByTicker = [...market.stocks].sort((a, b) => (a.ticker < b.ticker ? -1 : 1));
  }

  /** Whether a stock has a row on a day: an open US day of the market's range, listed. */
  trades(stock: Stock, iso: string): boolean {
    const { start, end } = this.market.options;
    return (
      iso >= start && iso <= end && isListed(stock, iso) && this.market.usCalendar.includes(iso)
    );
  }

  #close(stock: Stock, iso: string): number {
    return this.market.prices.level(`US:${stock.ticker}`, stock.basePrice, iso);
  }

  #previousClose(stock: Stock, iso: string): number | undefined {
    const before = this.market.usCalendar.previous(iso);
    return before !== undefined && isListed(stock, before) ? this.#close(stock, before) : undefined;
  }

  bar(stock: Stock, iso: string): UsBar {
    const seed = this.market.seed;
    const close = this.#close(stock, iso);
    // A listing day opens off its offer price.
    const preClose = this.#previousClose(stock, iso) ?? round(close * 0.97, 2);
    const drift = 0.04 * (unit(seed, 'us-open', stock.index, iso) - 0.5);
    const open = Math.max(0.01, round(preClose * (1 + drift), 2));
    const bar = barOf(
      seed,
      `US:${stock.ticker}`,
      iso,
      open,
      close,
      preClose,
      2_000 + stock.totalShare,
    );
    return { open, high: bar.high, low: bar.low, close, volume: Math.round(bar.vol * 100) };
  }

  /** The stock's dividends within the market's range, oldest first (cached per stock). */
  dividends(stock: Stock): readonly Dividend[] {
    let list = this.#dividends.get(stock.index);
    if (list !== undefined) return list;
    const { start, end } = this.market.options;
    const calendar = this.market.usCalendar;
    const seed = this.market.seed;
    const found: Dividend[] = [];
    for (let year = Number(start.slice(0, 4)); year <= Number(end.slice(0, 4)); year++) {
      const day = addDays(`${year}-06-01`, intBetween(seed, 0, 60, 'us-exdiv', stock.index, year));
      const exDate = calendar.includes(day) ? day : calendar.next(day);
      if (exDate === undefined || exDate <= start || exDate > end || !isListed(stock, exDate)) {
        continue;
      }
      const previous = this.#previousClose(stock, exDate);
      if (previous === undefined) continue;
      const amount = round(previous * (0.004 + 0.012 * unit(seed, 'us-div', stock.index, year)), 2);
      found.push({ exDate, amount, factor: 1 - amount / previous });
    }
    this.#dividends.set(stock.index, (list = found));
    return list;
  }

  /** Dividend adjustment of a day's prices: the factors of every later ex-date, multiplied. */
  adjustment(stock: Stock, iso: string): number {
    let factor = 1;
    for (const dividend of this.dividends(stock)) {
      if (dividend.exDate > iso) factor *= dividend.factor;
    }
    return factor;
  }

  /** The cash dividend going ex on a day, 0 on most days. */
  dividendOn(stock: Stock, iso: string): number {
    return this.dividends(stock).find((d) => d.exDate === iso)?.amount ?? 0;
  }

  /** When SHARADAR last touched a row: the same day mostly, a correction weeks later at times. */
  lastUpdated(stock: Stock, iso: string): string {
    const r = unit(this.market.seed, 'us-updated', stock.index, iso);
    const lag = r < 0.03 ? 1 + Math.floor((r / 0.03) * MAX_UPDATE_LAG) : 0;
    const day = addDays(iso, Math.min(lag, MAX_UPDATE_LAG));
    return day > this.market.options.end ? this.market.options.end : day;
  }
}

const cache = new WeakMap<Market, UsPrices>();

/** One `UsPrices` per market, so its dividend cache is shared by every request. */
export function usPricesOf(market: Market): UsPrices {
  let prices = cache.get(market);
  if (prices === undefined) cache.set(market, (prices = new UsPrices(market)));
  return prices;
}
