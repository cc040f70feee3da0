/**
 * Exchange calendars dsync knows by rule, for sources whose provider has no calendar of its
 * own to store (Nasdaq Data Link): which days a complete table has rows for. Tushare
 * sources use the stored `trade_cal` instead.
 */

export const EXCHANGE_CALENDARS = ['XNYS', 'weekdays'] as const;
/** `XNYS`: the New York Stock Exchange; `weekdays`: Monday to Friday, no holidays. */
export type ExchangeCalendarId = (typeof EXCHANGE_CALENDARS)[number];

const DAY_MS = 86_400_000;
const iso = (time: number) => new Date(time).toISOString().slice(0, 10);
const utc = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day);
const weekday = (time: number) => new Date(time).getUTCDay();

/** The n-th given weekday (0 Sunday … 6 Saturday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, day: number, n: number): string {
  if (n < 0) {
    const last = utc(year, month + 1, 0);
    return iso(last - ((weekday(last) - day + 7) % 7) * DAY_MS);
  }
  const first = utc(year, month, 1);
  return iso(first + (((day - weekday(first) + 7) % 7) + (n - 1) * 7) * DAY_MS);
}

/** Easter Sunday (Gregorian), by the anonymous algorithm. */
function easter(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

/** A fixed-date holiday moved off the weekend: Saturday to Friday, Sunday to Monday. */
function observed(year: number, month: number, day: number): string {
  const time = utc(year, month, day);
  const wd = weekday(time);
  return iso(wd === 6 ? time - DAY_MS : wd === 0 ? time + DAY_MS : time);
}

/** Days the NYSE closed outside its rules: funerals of presidents, 9/11, Hurricane Sandy. */
const NYSE_SPECIAL_CLOSINGS = new Set([
  '1994-04-27',
  '2001-09-11',
  '2001-09-12',
  '2001-09-13',
  '2001-09-14',
  '2004-06-11',
  '2007-01-02',
  '2012-10-29',
  '2012-10-30',
  '2018-12-05',
  '2025-01-09',
]);

const nyseHolidays = new Map<number, ReadonlySet<string>>();

/** The NYSE's rule holidays of a year, as observed. */
function nyseHolidaysOf(year: number): ReadonlySet<string> {
  let days = nyseHolidays.get(year);
  if (days !== undefined) return days;
  const newYear = utc(year, 1, 1);
  days = new Set([
    // New Year's Day on a Sunday moves to Monday; on a Saturday it is not made up.
    ...(weekday(newYear) === 6 ? [] : [observed(year, 1, 1)]),
    ...(year >= 1998 ? [nthWeekday(year, 1, 1, 3)] : []), // Martin Luther King Jr. Day
    nthWeekday(year, 2, 1, 3), // Washington's Birthday
    iso(easter(year) - 2 * DAY_MS), // Good Friday
    nthWeekday(year, 5, 1, -1), // Memorial Day
    ...(year >= 2022 ? [observed(year, 6, 19)] : []), // Juneteenth
    observed(year, 7, 4), // Independence Day
    nthWeekday(year, 9, 1, 1), // Labor Day
    nthWeekday(year, 11, 4, 4), // Thanksgiving
    observed(year, 12, 25), // Christmas
  ]);
  nyseHolidays.set(year, days);
  return days;
}

const isWeekend = (day: string) => {
  const wd = weekday(Date.parse(`${day}T00:00:00Z`));
  return wd === 0 || wd === 6;
};

/** Whether a calendar's exchange is open on a day (`YYYY-MM-DD`). */
export function isExchangeOpen(calendar: ExchangeCalendarId, day: string): boolean {
  if (isWeekend(day)) return false;
  if (calendar === 'weekdays') return true;
  return !NYSE_SPECIAL_CLOSINGS.has(day) && !nyseHolidaysOf(Number(day.slice(0, 4))).has(day);
}

/** The open days of `[start, end]` (inclusive, `YYYY-MM-DD`), oldest first. */
export function exchangeOpenDays(
  calendar: ExchangeCalendarId,
  start: string,
  end: string,
): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += DAY_MS)
    if (isExchangeOpen(calendar, iso(t))) days.push(iso(t));
  return days;
}
