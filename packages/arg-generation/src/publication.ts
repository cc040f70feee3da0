import {
  addMonths,
  zonedInstant,
  zonedParts,
  type DataSource,
  type StoredCalendar,
} from '@dsync/datasource';
import { addDays } from './dates.js';
import { reportDeadline } from './strategies/report-periods.js';

/**
 * When a source's days are published and when they settle, on a given clock. A day is
 * published between `from` and `by` (local time, `lagDays` after the day) and settles
 * `settle` after `by`; until then a sync asks for it again. A report period's publication
 * day is its filing deadline, so a period settles a set time after its deadline's filings
 * are out.
 */

const DAY_MS = 86_400_000;

const isWeekday = (iso: string) => {
  const day = new Date(`${iso}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
};

/** Holidays never close an exchange for longer: the n-th open day after a day is within n × this. */
const LONGEST_CLOSE_DAYS = 16;

/**
 * The n-th open day after `day`: by the stored calendar, weekdays without one. Past the
 * calendar's end it cannot be known, only bounded: the day `n × 16` days on, by when the
 * n-th open day has come for sure (a historical range's last day has settled long since;
 * the live edge waits for the next day's calendar).
 */
function nthOpenDayAfter(day: string, n: number, calendar: StoredCalendar | undefined): string {
  if (calendar === undefined) {
    let d = day;
    for (let left = n; left > 0;) {
      d = addDays(d, 1);
      if (isWeekday(d)) left--;
    }
    return d;
  }
  const bound = addDays(day, LONGEST_CLOSE_DAYS * n);
  return calendar.openDays(addDays(day, 1), bound)[n - 1] ?? bound;
}

/** The last quarter end (Mar 31, Jun 30, Sep 30, Dec 31) on or before a day. */
function quarterEndOnOrBefore(iso: string): string {
  const year = Number(iso.slice(0, 4));
  const md = iso.slice(5);
  if (md >= '12-31') return `${year}-12-31`;
  if (md >= '09-30') return `${year}-09-30`;
  if (md >= '06-30') return `${year}-06-30`;
  if (md >= '03-31') return `${year}-03-31`;
  return `${year - 1}-12-31`;
}

export interface Timing {
  /** The latest day (or quarter end) whose data may be out (`from` has passed): where a sync's range ends by default. */
  readonly latestPublished: string;
  /** The latest day whose data is out on a usual day (`by` has passed): what a current table holds. */
  readonly latestOut: string;
  /** When the data of a day (or report period) settles, as an ISO instant. */
  settlesAt(day: string): string;
  /** Whether a day (or report period) has settled at the clock's time. */
  isSettled(day: string): boolean;
  /** The last day at or before `latest` that has settled: a cursor never passes it. */
  settledThrough(latest: string): string;
}

export interface TimingOptions {
  /** The clock. @default new Date() */
  readonly now?: Date;
  /** The stored trade calendar, for settle windows counted in trading days (weekdays without it). */
  readonly calendar?: StoredCalendar;
}

/** A source's publication and settling at the clock's time. */
export function timingOf(source: DataSource, options: TimingOptions = {}): Timing {
  const now = (options.now ?? new Date()).getTime();
  const { timezone, from, by, lagDays, settle } = source.publication;
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  const byPeriod = leaf.kind === 'report-period';
  const local = zonedParts(now, timezone);
  const latestPublished = addDays(local.date, -lagDays - (local.time < from ? 1 : 0));
  const latestOut = addDays(local.date, -lagDays - (local.time < by ? 1 : 0));

  const settleInstant = (day: string): number => {
    // A day between quarter ends has settled once the last period ending before it has.
    const published = byPeriod ? reportDeadline(quarterEndOnOrBefore(day)) : day;
    switch (settle.kind) {
      case 'none':
        return zonedInstant(addDays(published, lagDays), by, timezone);
      case 'duration':
        return zonedInstant(addDays(published, lagDays), by, timezone) + settle.ms;
      case 'months':
        return zonedInstant(addMonths(addDays(published, lagDays), settle.n), by, timezone);
      case 'trading-days': {
        const next = nthOpenDayAfter(published, settle.n, options.calendar);
        return zonedInstant(addDays(next, lagDays), by, timezone);
      }
    }
  };

  const memo = new Map<string, number>();
  const instant = (day: string): number => {
    let ms = memo.get(day);
    if (ms === undefined) memo.set(day, (ms = settleInstant(day)));
    return ms;
  };
  const isSettled = (day: string) => instant(day) <= now;

  return {
    latestPublished,
    latestOut,
    settlesAt: (day) => new Date(instant(day)).toISOString(),
    isSettled,
    settledThrough(latest) {
      if (isSettled(latest)) return latest;
      // Settling moves forward with the day: step back in growing strides, then bisect.
      let unsettled = latest;
      let step = 1;
      let settled = addDays(latest, -step);
      while (!isSettled(settled)) {
        unsettled = settled;
        step *= 2;
        if (step > 200 * 365) return addDays(latest, -step);
        settled = addDays(latest, -step);
      }
      let lo = Date.parse(settled);
      let hi = Date.parse(unsettled);
      while (hi - lo > DAY_MS) {
        const mid = lo + Math.floor((hi - lo) / DAY_MS / 2) * DAY_MS;
        if (isSettled(new Date(mid).toISOString().slice(0, 10))) lo = mid;
        else hi = mid;
      }
      return new Date(lo).toISOString().slice(0, 10);
    },
  };
}
