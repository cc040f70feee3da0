import type { OpenDays } from './calendar.js';
import { dayNumber } from './dates.js';
import { intBetween, round, unit } from './random.js';
import { isListed, type IndexInfo, type Stock } from './stocks.js';

/**
 * The price model: a close level that is a pure function of (instrument, day), so a bar is
 * computed without walking the history before it. Slow and fast cycles give trends, a
 * daily hash gives noise; open, high and low are derived around the previous close so
 * every bar is consistent (low ≤ open, close ≤ high, volumes ≥ 0).
 */

export interface Bar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly pre_close: number;
  readonly change: number;
  readonly pct_chg: number;
  /** Hands (100 shares). */
  readonly vol: number;
  /** Thousands of yuan. */
  readonly amount: number;
}

const ceil2 = (x: number) => Math.ceil(x * 100 - 1e-9) / 100;
const floor2 = (x: number) => Math.floor(x * 100 + 1e-9) / 100;

/** Builds a bar from its open, close and previous close, with deterministic range and volume. */
export function barOf(
  seed: number,
  key: string,
  iso: string,
  open: number,
  close: number,
  preClose: number,
  volumeScale: number,
): Bar {
  const high = ceil2(Math.max(open, close) * (1 + 0.02 * unit(seed, 'hi', key, iso)));
  const low = Math.max(
    0.01,
    floor2(Math.min(open, close) * (1 - 0.02 * unit(seed, 'lo', key, iso))),
  );
  const vol = round(volumeScale * (0.2 + 1.8 * unit(seed, 'vol', key, iso)), 2);
  // As the real service sends them: a difference of doubles with its float tail
  // (19.189999999999998), and amounts with more places than the docs show. A store that
  // rounds to a declared scale changes them, which tests must catch.
  const change = close - preClose;
  return {
    open,
    high,
    low,
    close,
    pre_close: preClose,
    change,
    pct_chg: round((change / preClose) * 100, 4),
    vol,
    amount: round((vol * 100 * (open + close)) / 2 / 1000, 5),
  };
}

interface Cycles {
  readonly slowPeriod: number;
  readonly slowPhase: number;
  readonly fastPeriod: number;
  readonly fastPhase: number;
}

export class PriceModel {
  readonly #seed: number;
  readonly #cyclesByKey = new Map<string, Cycles>();
  readonly #calendar: OpenDays;
  readonly #start: string;

  constructor(seed: number, calendar: OpenDays, start: string) {
    this.#seed = seed;
    this.#calendar = calendar;
    this.#start = start;
  }

  /** An instrument's cycles: fixed per instrument, so computed once (a third of a bar's cost). */
  #cycles(key: string): Cycles {
    let cycles = this.#cyclesByKey.get(key);
    if (cycles === undefined) {
      const s = this.#seed;
      cycles = {
        slowPeriod: 700 + 900 * unit(s, 'p1', key),
        slowPhase: 6.3 * unit(s, 'f1', key),
        fastPeriod: 30 + 60 * unit(s, 'p2', key),
        fastPhase: 6.3 * unit(s, 'f2', key),
      };
      this.#cyclesByKey.set(key, cycles);
    }
    return cycles;
  }

  /** The close level of an instrument on a day, two decimals. */
  level(key: string, base: number, iso: string): number {
    const t = dayNumber(iso);
    const c = this.#cycles(key);
    const slow = 0.35 * Math.sin((2 * Math.PI * t) / c.slowPeriod + c.slowPhase);
    const fast = 0.08 * Math.sin((2 * Math.PI * t) / c.fastPeriod + c.fastPhase);
    const noise = 0.03 * (unit(this.#seed, 'n', key, t) - 0.5);
    return Math.max(0.01, round(base * Math.exp(slow + fast + noise), 2));
  }

  /** Whether a stock has a bar on a day: listed, open, within the market's range, not suspended. */
  traded(stock: Stock, iso: string): boolean {
    return (
      iso >= this.#start &&
      isListed(stock, iso) &&
      this.#calendar.includes(iso) &&
      unit(this.#seed, 'suspended', stock.index, iso) >= 0.004
    );
  }

  /** The stock's last traded day before `iso`, within 60 open days. */
  #previousTraded(stock: Stock, iso: string): string | undefined {
    let day = this.#calendar.previous(iso);
    for (let i = 0; i < 60 && day !== undefined && day >= stock.listDate; i++) {
      if (this.traded(stock, day)) return day;
      day = this.#calendar.previous(day);
    }
    return undefined;
  }

  dailyBar(stock: Stock, iso: string): Bar | undefined {
    if (!this.traded(stock, iso)) return undefined;
    const close = this.level(stock.ts_code, stock.basePrice, iso);
    const before = this.#previousTraded(stock, iso);
    // A listing day (or the first day after a long suspension) opens off its issue price.
    const preClose =
      before === undefined
        ? round(close * 0.8, 2)
        : this.level(stock.ts_code, stock.basePrice, before);
    const open = Math.max(
      0.01,
      round(preClose * (1 + 0.04 * (unit(this.#seed, 'open', stock.index, iso) - 0.5)), 2),
    );
    return barOf(this.#seed, stock.ts_code, iso, open, close, preClose, 2_000 + stock.totalShare);
  }

  /** Index bars: listed from the later of its list date and the market's start, never suspended. */
  indexBar(index: IndexInfo, iso: string): Bar | undefined {
    if (iso < this.#start || iso < index.listDate || !this.#calendar.includes(iso))
      return undefined;
    const base = index.basePoint * 3;
    const close = this.level(index.ts_code, base, iso);
    const before = this.#calendar.previous(iso);
    const preClose = before === undefined ? close : this.level(index.ts_code, base, before);
    const open = round(
      preClose * (1 + 0.01 * (unit(this.#seed, 'open', index.ts_code, iso) - 0.5)),
      2,
    );
    return barOf(this.#seed, index.ts_code, iso, open, close, preClose, 5e7);
  }

  /**
   * A weekly or monthly bar over the open days of one period, dated on its last open day:
   * first open, highest high, lowest low, last close, summed volume and amount.
   */
  periodBar(stock: Stock, days: readonly string[]): Bar | undefined {
    const bars = days.map((d) => this.dailyBar(stock, d)).filter((b): b is Bar => b !== undefined);
    const first = bars[0];
    const last = bars.at(-1);
    if (first === undefined || last === undefined) return undefined;
    const change = last.close - first.pre_close;
    return {
      open: first.open,
      high: Math.max(...bars.map((b) => b.high)),
      low: Math.min(...bars.map((b) => b.low)),
      close: last.close,
      pre_close: first.pre_close,
      change,
      pct_chg: round((change / first.pre_close) * 100, 4),
      vol: round(
        bars.reduce((sum, b) => sum + b.vol, 0),
        2,
      ),
      amount: round(
        bars.reduce((sum, b) => sum + b.amount, 0),
        5,
      ),
    };
  }

  /**
   * The cumulative adjustment factor: 1 at listing, raised at one ex-dividend date a year
   * (between June 1 and July 31). Defined on every listed open day, suspended or not.
   */
  adjFactor(stock: Stock, iso: string): number | undefined {
    if (iso < this.#start || !isListed(stock, iso) || !this.#calendar.includes(iso))
      return undefined;
    let factor = 1;
    for (
      let year = Number(stock.listDate.slice(0, 4)) + 1;
      year <= Number(iso.slice(0, 4));
      year++
    ) {
      const exDay =
        dayNumber(`${year}-06-01`) + intBetween(this.#seed, 0, 60, 'exdiv', stock.index, year);
      if (exDay <= dayNumber(iso))
        factor *= 1.005 + 0.04 * unit(this.#seed, 'div', stock.index, year);
    }
    return round(factor, 3);
  }
}
