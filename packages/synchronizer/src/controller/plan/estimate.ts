import { addDays, type DateRange } from '@dsync/arg-generation';
import type { ArgContext, DataSource, StoredCalendar } from '@dsync/datasource';

/**
 * A plan made before a sync stores what it reads back would count nothing for the sources
 * that need it: a per-trading-day source reads the stored calendar, though the calendar is
 * synced first in the same run. So a plan reads a context whose calendar falls back to
 * weekdays where none is stored, and says so; a sync never does (it must not request a day
 * a calendar has not confirmed open).
 */

/**
 * How far a plan's count holds: `exact`, what a sync requests; `estimate`, open days
 * counted as weekdays where the calendar is not stored; `unknown`, a fan-out's keys are not
 * stored yet (its requests read 0 until they are).
 */
export type PlanCount = 'exact' | 'estimate' | 'unknown';

export interface PlanEstimate {
  readonly count: PlanCount;
  /** Why it is not exact. */
  readonly note?: string;
}

const min = (a: string, b: string) => (a < b ? a : b);
const max = (a: string, b: string) => (a > b ? a : b);

/** Monday to Friday from `start` to `end`: an exchange's open days, before its holidays are known. */
function weekdays(start: string, end: string): string[] {
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day);
  }
  return days;
}

/** The stored calendar where it has days, weekdays before and after: it covers any range. */
function calendarWithWeekdays(stored: StoredCalendar | undefined): StoredCalendar {
  return {
    first: '0001-01-01',
    last: '9999-12-31',
    openDays(start, end) {
      if (stored === undefined) return weekdays(start, end);
      return [
        ...weekdays(start, min(end, addDays(stored.first, -1))),
        ...stored.openDays(max(start, stored.first), min(end, stored.last)),
        ...weekdays(max(start, addDays(stored.last, 1)), end),
      ];
    },
  };
}

/** What a plan reads: `context`, with calendars that are missing, or short of a range, filled with weekdays. */
export function estimatingContext(context: ArgContext): ArgContext {
  return {
    tradeCalendar: async (source, exchange) =>
      calendarWithWeekdays(await context.tradeCalendar(source, exchange)),
    keyRows: (keys) => context.keyRows(keys),
    storedCells: (sourceId, fields, range) => context.storedCells(sourceId, fields, range),
  };
}

const EXACT: PlanEstimate = { count: 'exact' };

/**
 * How good a counted plan is: exact, unless the source's range reaches past the stored
 * calendar (`context` is the real one), where a sync would refuse until the calendar is synced.
 */
export async function estimateOf(
  source: DataSource,
  context: ArgContext,
  range: DateRange | undefined,
): Promise<PlanEstimate> {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  if (leaf.kind !== 'trade-calendar' || range === undefined) return EXACT;
  const calendar = await context.tradeCalendar(leaf.calendar, leaf.exchange);
  // The same test a sync's arg generation makes before its first request.
  if (calendar !== undefined && calendar.first <= range.start && calendar.last >= range.end)
    return EXACT;
  return {
    count: 'estimate',
    note: `weekdays where ${leaf.calendar} (${leaf.exchange}) is not stored for ${range.start}..${range.end}`,
  };
}

/** A fan-out whose keys are not stored: nothing to count its requests by. */
export function keysNotStored(source: DataSource): PlanEstimate {
  const keys = source.args.kind === 'fan-out' ? source.args.keys.source : 'its keys';
  return { count: 'unknown', note: `counted once ${keys} is stored` };
}
