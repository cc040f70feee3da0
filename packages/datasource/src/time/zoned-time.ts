/**
 * Wall-clock time in a time zone, through Intl (no time-zone database of dsync's own): the
 * local date and time of an instant, and the instant of a local date and time. Both handle
 * daylight saving time (New York's 09:00 is 13:00 UTC in summer, 14:00 in winter). The
 * publication times of sources are local times in their provider's zone.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local wall time of an instant, as if it were UTC (whole seconds). */
function wallClock(timeZone: string, instant: number): number {
  const parts = new Map<string, number>();
  for (const part of formatterOf(timeZone).formatToParts(instant))
    parts.set(part.type, Number(part.value));
  const part = (type: string) => parts.get(type) ?? 0;
  return Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour') % 24,
    part('minute'),
    part('second'),
  );
}

/** The zone's offset from UTC at an instant, in ms (Shanghai: +8 h). */
const offsetAt = (timeZone: string, instant: number): number =>
  wallClock(timeZone, instant) - Math.floor(instant / 1000) * 1000;

/**
 * The instant (ms) of a local date (`YYYY-MM-DD`) and time (`HH:MM`) in a time zone. A time
 * that occurs twice (the hour repeated when clocks go back) is its first occurrence; one
 * that never occurs (the hour skipped when they go forward) is read on the old offset.
 */
export function zonedInstant(date: string, time: string, timeZone: string): number {
  const wall = Date.parse(`${date}T${time}:00Z`);
  // The offsets a day either side: a zone changes its offset at most once in between.
  const before = wall - offsetAt(timeZone, wall - DAY_MS);
  const after = wall - offsetAt(timeZone, wall + DAY_MS);
  const valid = [before, after]
    .filter((t) => wallClock(timeZone, t) === wall)
    .sort((a, b) => a - b);
  return valid[0] ?? before;
}

/** The local date (`YYYY-MM-DD`) and time (`HH:MM`) of an instant in a time zone. */
export function zonedParts(instant: number, timeZone: string): { date: string; time: string } {
  const iso = new Date(wallClock(timeZone, instant)).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** The same day of the month `n` months later (`YYYY-MM-DD`), or that month's last day. */
export function addMonths(iso: string, n: number): string {
  const months = Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1 + n;
  const year = Math.floor(months / 12);
  const month = months % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(Number(iso.slice(8, 10)), lastDay);
  return new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
}
