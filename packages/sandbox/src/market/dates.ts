import { zonedParts } from '@dsync/datasource';

/** Day arithmetic on ISO dates (`YYYY-MM-DD`), by whole UTC days. */

export const DAY_MS = 86_400_000;

// Every row of a by-date table converts the same few thousand dates back and forth; parsing
// and formatting dominated the profile, so both directions are memoised. Dates are a small
// domain (a century is 36,525 days): the caches stay bounded, and are dropped if they grow.
const dayNumbers = new Map<string, number>();
const isoDates = new Map<number, string>();
const CACHE_LIMIT = 100_000;

export function dayNumber(iso: string): number {
  let day = dayNumbers.get(iso);
  if (day === undefined) {
    if (dayNumbers.size > CACHE_LIMIT) dayNumbers.clear();
    dayNumbers.set(iso, (day = Date.parse(`${iso}T00:00:00Z`) / DAY_MS));
  }
  return day;
}

export function isoOfDay(day: number): string {
  let iso = isoDates.get(day);
  if (iso === undefined) {
    if (isoDates.size > CACHE_LIMIT) isoDates.clear();
    isoDates.set(day, (iso = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  }
  return iso;
}
export const addDays = (iso: string, days: number): string => isoOfDay(dayNumber(iso) + days);

/** `2024-01-02` → `20240102`, as Tushare writes dates. */
export const compact = (iso: string): string => iso.replaceAll('-', '');

/** `20240102` or `2024-01-02` → `2024-01-02`; undefined when it is not a date. */
export function isoOf(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return Number.isNaN(dayNumber(iso)) || isoOfDay(dayNumber(iso)) !== iso ? undefined : iso;
}

/** Today's date in a time zone, as ISO. */
export const todayIn = (timeZone: string, now: Date = new Date()): string =>
  zonedParts(now.getTime(), timeZone).date;
