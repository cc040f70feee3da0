import { sortedIndex } from '@dsync/datasource';
import { compact, dayNumber, DAY_MS, isoOfDay } from './dates.js';

/**
 * The fake market's calendar: weekdays are open except its fixed holidays (New Year's Day,
 * a Spring Festival week, Labour Day and the National Day golden week). Deterministic, so
 * tests and the sandbox agree on every open day without storing one. NDL's US-style
 * calendar closes weekends, New Year's Day, July 4 and Christmas.
 */

/** The Spring Festival week, pinned to the second Monday of February so every year has one. */
function springFestival(year: number): { start: number; end: number } {
  const firstOfFeb = Date.UTC(year, 1, 1);
  const toMonday = (8 - new Date(firstOfFeb).getUTCDay()) % 7;
  const start = firstOfFeb + (toMonday + 7) * DAY_MS;
  return { start, end: start + 4 * DAY_MS };
}

const CN_HOLIDAYS = new Set([
  '01-01',
  '05-01',
  '05-02',
  '05-03',
  '10-01',
  '10-02',
  '10-03',
  '10-04',
  '10-05',
  '10-06',
  '10-07',
]);
const US_HOLIDAYS = new Set(['01-01', '07-04', '12-25']);

const isWeekend = (time: number) => {
  const weekday = new Date(time).getUTCDay();
  return weekday === 0 || weekday === 6;
};

/** Whether the fake Chinese market trades on an ISO date. */
export function isOpenDay(iso: string): boolean {
  const time = Date.parse(`${iso}T00:00:00Z`);
  if (isWeekend(time) || CN_HOLIDAYS.has(iso.slice(5))) return false;
  const festival = springFestival(Number(iso.slice(0, 4)));
  return time < festival.start || time > festival.end;
}

/** Whether the fake US market (NDL) trades on an ISO date. */
export function isUsOpenDay(iso: string): boolean {
  return !isWeekend(Date.parse(`${iso}T00:00:00Z`)) && !US_HOLIDAYS.has(iso.slice(5));
}

/**
 * The open days of one calendar between two dates, as day numbers: small (30 years is
 * about 7,500 entries) and searched by bisection.
 */
export class OpenDays {
  readonly #days: number[] = [];

  constructor(start: string, end: string, isOpen: (iso: string) => boolean = isOpenDay) {
    for (let day = dayNumber(start); day <= dayNumber(end); day++)
      if (isOpen(isoOfDay(day))) this.#days.push(day);
  }

  get count(): number {
    return this.#days.length;
  }

  /** Index of the first open day on or after `day`. */
  #lowerBound(day: number): number {
    return sortedIndex(this.#days, day);
  }

  /** Open days within `[start, end]`, oldest first. */
  between(start: string, end: string): string[] {
    const from = this.#lowerBound(dayNumber(start));
    const to = this.#lowerBound(dayNumber(end) + 1);
    return this.#days.slice(from, to).map(isoOfDay);
  }

  /** The open day after `iso`, or undefined after the last one. */
  next(iso: string): string | undefined {
    const day = this.#days[this.#lowerBound(dayNumber(iso) + 1)];
    return day === undefined ? undefined : isoOfDay(day);
  }

  /** The open day before `iso`, or undefined before the first one. */
  previous(iso: string): string | undefined {
    const i = this.#lowerBound(dayNumber(iso)) - 1;
    return i >= 0 ? isoOfDay(this.#days[i] as number) : undefined;
  }

  includes(iso: string): boolean {
    const i = this.#lowerBound(dayNumber(iso));
    return this.#days[i] === dayNumber(iso);
  }
}

export interface CalendarDay {
  readonly exchange: string;
  /** `YYYYMMDD`, as Tushare writes dates. */
  readonly cal_date: string;
  readonly is_open: 0 | 1;
  /** The open day before this one, `YYYYMMDD`. */
  readonly pretrade_date: string;
}

/** Every day of `[start, end]` (ISO) as Tushare's `trade_cal` rows, oldest first. */
export function tradeCalendar(exchange: string, start: string, end: string): CalendarDay[] {
  const from = dayNumber(start);
  const to = dayNumber(end);
  let previousOpen = from - 1;
  while (!isOpenDay(isoOfDay(previousOpen))) previousOpen--;
  const days: CalendarDay[] = [];
  for (let day = from; day <= to; day++) {
    const iso = isoOfDay(day);
    const open = isOpenDay(iso);
    days.push({
      exchange,
      cal_date: compact(iso),
      is_open: open ? 1 : 0,
      pretrade_date: compact(isoOfDay(previousOpen)),
    });
    if (open) previousOpen = day;
  }
  return days;
}
