import { zonedInstant, zonedParts } from '@dsync/datasource';

/** Provider time zones: where their daily quotas turn over. */
export const TUSHARE_TIME_ZONE = 'Asia/Shanghai';
export const NDL_TIME_ZONE = 'America/New_York';

/** The first instant of the next calendar day in `timeZone` after `now`. */
export function nextMidnight(timeZone: string, now: Date): Date {
  const today = zonedParts(now.getTime(), timeZone).date;
  const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString();
  // Local midnight, at the zone's offset then (a DST change today moves it).
  return new Date(zonedInstant(tomorrow.slice(0, 10), '00:00', timeZone));
}
