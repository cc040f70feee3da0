/** Provider time zones: where their daily quotas turn over. */
export const TUSHARE_TIME_ZONE = 'Asia/Shanghai';
export const NDL_TIME_ZONE = 'America/New_York';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock in `timeZone` at `instant`, read as if it were UTC (ms, whole seconds). */
function wallClockAsUtc(timeZone: string, instant: number): number {
  const part: Record<string, number> = {};
  for (const { type, value } of formatterOf(timeZone).formatToParts(instant)) {
    part[type] = Number(value);
  }
  const at = (name: string): number => part[name] ?? 0;
  return Date.UTC(at('year'), at('month') - 1, at('day'), at('hour'), at('minute'), at('second'));
}

/** The zone's offset from UTC at `instant`, in ms. */
const offsetAt = (timeZone: string, instant: number): number =>
  wallClockAsUtc(timeZone, instant) - Math.floor(instant / 1000) * 1000;

/** The first instant of the next calendar day in `timeZone` after `now`. */
export function nextMidnight(timeZone: string, now: Date): Date {
  const wall = new Date(wallClockAsUtc(timeZone, now.getTime()));
  const target = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  // The offset at midnight can differ from the offset now (a DST change today): take it
  // at a first guess of the instant, then once more at the corrected one.
  const guess = target - offsetAt(timeZone, target);
  return new Date(target - offsetAt(timeZone, guess));
}
