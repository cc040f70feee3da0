import { DsyncError, toIsoDate, type DateFormat } from '@dsync/datasource';

const DAY_MS = 86_400_000;

const toTime = (iso: string, what: string): number => {
  const normal = toIsoDate(iso);
  if (normal === undefined)
    throw new DsyncError(
      'E_BAD_DATE',
      `${what}: expected a date as YYYY-MM-DD or YYYYMMDD, got "${iso}"`,
    );
  return Date.parse(`${normal}T00:00:00Z`);
};

const fromTime = (time: number): string => new Date(time).toISOString().slice(0, 10);

const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** Writes an ISO date the way a provider's parameters expect it. */
export function formatDate(iso: string, format: DateFormat): string {
  // The fast path: dates arg generation made itself are already ISO; this runs once per request.
  if (ISO_SHAPE.test(iso))
    return format === 'YYYYMMDD' ? `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8)}` : iso;
  const normal = fromTime(toTime(iso, 'formatDate'));
  return format === 'YYYYMMDD' ? normal.replaceAll('-', '') : normal;
}

/** The ISO date `days` after (or before, when negative) the given one. */
export function addDays(iso: string, days: number): string {
  return fromTime(toTime(iso, 'addDays') + days * DAY_MS);
}

export interface DateWindow {
  /** First day, `YYYY-MM-DD`, inclusive. */
  readonly start: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  readonly end: string;
}

/**
 * Cuts `[start, end]` (inclusive) into consecutive windows of at most `days` calendar days,
 * oldest first: a resumed sync then advances its cursor window by window.
 */
export function* dateWindows(start: string, end: string, days: number): Generator<DateWindow> {
  if (!Number.isInteger(days) || days < 1)
    throw new DsyncError(
      'E_BAD_WINDOW',
      `dateWindows: days must be a whole number ≥ 1, got ${days}`,
    );
  const last = toTime(end, 'dateWindows end');
  for (let from = toTime(start, 'dateWindows start'); from <= last; from += days * DAY_MS) {
    yield { start: fromTime(from), end: fromTime(Math.min(from + (days - 1) * DAY_MS, last)) };
  }
}

const QUARTER_ENDS = ['03-31', '06-30', '09-30', '12-31'] as const;

/**
 * The report periods (quarter ends) within `[start, end]`, oldest first, as ISO dates.
 * `quarters` picks which of the year's four (1 = March 31 … 4 = December 31).
 */
export function* reportPeriods(
  start: string,
  end: string,
  quarters: readonly (1 | 2 | 3 | 4)[] = [1, 2, 3, 4],
): Generator<string> {
  const from = fromTime(toTime(start, 'reportPeriods start'));
  const to = fromTime(toTime(end, 'reportPeriods end'));
  const wanted = [...new Set(quarters)].sort();
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    for (const q of wanted) {
      const period = `${year}-${QUARTER_ENDS[q - 1]}`;
      if (period >= from && period <= to) yield period;
    }
  }
}
