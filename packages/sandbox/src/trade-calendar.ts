import { toIsoDate } from '@dsync/datasource';

/**
 * The fake market's calendar: weekdays are open except its fixed holidays (New Year's Day,
 * a Spring Festival week, Labour Day and the National Day golden week). Deterministic, so
 * tests and the sandbox agree on every open day without storing one.
 */

const DAY_MS = 86_400_000;

/** The Spring Festival week, pinned to the second Monday of February so every year has one. */
function springFestival(year: number): { start: number; end: number } {
  const firstOfFeb = Date.UTC(year, 1, 1);
  const toMonday = (8 - new Date(firstOfFeb).getUTCDay()) % 7;
  const start = firstOfFeb + (toMonday + 7) * DAY_MS;
  return { start, end: start + 4 * DAY_MS };
}

const FIXED_HOLIDAYS = [
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
];

/** Whether the fake market trades on an ISO date. */
export function isOpenDay(iso: string): boolean {
  const time = Date.parse(`${iso}T00:00:00Z`);
  const weekday = new Date(time).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  if (FIXED_HOLIDAYS.includes(iso.slice(5))) return false;
  const festival = springFestival(Number(iso.slice(0, 4)));
  return time < festival.start || time > festival.end;
}

export interface CalendarDay {
  readonly exchange: string;
  /** `YYYYMMDD`, as Tushare writes dates. */
  readonly cal_date: string;
  readonly is_open: 0 | 1;
  /** The open day before this one, `YYYYMMDD`. */
  readonly pretrade_date: string;
}

const compact = (time: number) => new Date(time).toISOString().slice(0, 10).replaceAll('-', '');

/** Every day of `[start, end]` (YYYYMMDD or YYYY-MM-DD) as Tushare's `trade_cal` rows, oldest first. */
export function tradeCalendar(exchange: string, start: string, end: string): CalendarDay[] {
  const from = Date.parse(`${toIsoDate(start) ?? 'invalid'}T00:00:00Z`);
  const to = Date.parse(`${toIsoDate(end) ?? 'invalid'}T00:00:00Z`);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new RangeError(`tradeCalendar: bad range ${start}..${end}`);
  let previousOpen = from - DAY_MS;
  while (!isOpenDay(new Date(previousOpen).toISOString().slice(0, 10))) previousOpen -= DAY_MS;
  const days: CalendarDay[] = [];
  for (let time = from; time <= to; time += DAY_MS) {
    const open = isOpenDay(new Date(time).toISOString().slice(0, 10));
    days.push({
      exchange,
      cal_date: compact(time),
      is_open: open ? 1 : 0,
      pretrade_date: compact(previousOpen),
    });
    if (open) previousOpen = time;
  }
  return days;
}
