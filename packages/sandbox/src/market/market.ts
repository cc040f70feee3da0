import { isOpenDay, isUsOpenDay, OpenDays } from './calendar.js';
import { addDays, isoOf, todayIn } from './dates.js';
import { PriceModel } from './prices.js';
import { seedOf } from './random.js';
import { createStocks, INDICES, type IndexInfo, type Stock } from './stocks.js';

export interface MarketOptions {
  /** Everything in the market follows from it. @default "dsync" */
  readonly seed?: string | number;
  /** Stocks listed at some point of the range. @default 300 */
  readonly symbols?: number;
  /** The first day with data (`YYYY-MM-DD` or `YYYYMMDD`). @default "2015-01-01" */
  readonly start?: string;
  /** The last day with data. @default today in Asia/Shanghai */
  readonly end?: string;
}

export interface ResolvedMarketOptions {
  readonly seed: string | number;
  readonly symbols: number;
  readonly start: string;
  readonly end: string;
}

function resolveOptions(options: MarketOptions): ResolvedMarketOptions {
  const date = (value: string | undefined, fallback: string, name: string) => {
    const iso = isoOf(value ?? fallback);
    if (iso === undefined)
      throw new RangeError(
        `market ${name}: expected a date as YYYY-MM-DD or YYYYMMDD, got "${value}"`,
      );
    return iso;
  };
  const start = date(options.start, '2015-01-01', 'start');
  const end = date(options.end, todayIn('Asia/Shanghai'), 'end');
  if (start > end) throw new RangeError(`market start ${start} is after its end ${end}`);
  const symbols = options.symbols ?? 300;
  if (!Number.isInteger(symbols) || symbols < 1)
    throw new RangeError(`market symbols: expected a whole number ≥ 1, got ${symbols}`);
  return { seed: options.seed ?? 'dsync', symbols, start, end };
}

/**
 * The fake market: a few small tables in memory (stocks, indices, open days) and pure
 * functions for everything else, so a 5,000-symbol, 30-year market costs a few megabytes.
 */
export class Market {
  readonly options: ResolvedMarketOptions;
  readonly seed: number;
  readonly stocks: readonly Stock[];
  readonly indices: readonly IndexInfo[] = INDICES;
  /** Open days of the Chinese market, from a year before the start (for previous closes) to the end. */
  readonly calendar: OpenDays;
  /** Open days of the US market (NDL). */
  readonly usCalendar: OpenDays;
  readonly prices: PriceModel;
  readonly #byCode: ReadonlyMap<string, Stock>;
  readonly #byTicker: ReadonlyMap<string, Stock>;

  constructor(options: MarketOptions = {}) {
    this.options = resolveOptions(options);
    const { start, end } = this.options;
    this.seed = seedOf(this.options.seed);
    this.stocks = createStocks(this.seed, this.options.symbols, start, end);
    this.calendar = new OpenDays(addDays(start, -400), end, isOpenDay);
    this.usCalendar = new OpenDays(addDays(start, -400), end, isUsOpenDay);
    this.prices = new PriceModel(this.seed, this.calendar, start);
    this.#byCode = new Map(this.stocks.map((s) => [s.ts_code, s]));
    this.#byTicker = new Map(this.stocks.map((s) => [s.ticker, s]));
  }

  stock(tsCode: string): Stock | undefined {
    return this.#byCode.get(tsCode);
  }

  stockByTicker(ticker: string): Stock | undefined {
    return this.#byTicker.get(ticker);
  }

  /** Open days of the market's own range within `[start, end]`, oldest first. */
  openDays(start: string, end: string): string[] {
    const from = start < this.options.start ? this.options.start : start;
    const to = end > this.options.end ? this.options.end : end;
    return from > to ? [] : this.calendar.between(from, to);
  }
}
