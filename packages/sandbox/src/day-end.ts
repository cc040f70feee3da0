import { zonedInstant, zonedParts } from '@dsync/datasource';
import { addDays } from './market/dates.js';

/** Milliseconds until the next midnight in a time zone. */
export function msToMidnight(timeZone: string, now: number): number {
  const { date } = zonedParts(now, timeZone);
  return zonedInstant(addDays(date, 1), '00:00', timeZone) - now;
}

/**
 * For tests that count a daily quota against the real clock: resolves at once unless the
 * provider's day ends within `marginMs`, and then once it has ended, so that the test's
 * requests all fall in one quota day (a test run at 23:59:58 in Shanghai would otherwise
 * see its quota reset half-way).
 */
export async function clearOfDayEnd(timeZone = 'Asia/Shanghai', marginMs = 60_000): Promise<void> {
  const left = msToMidnight(timeZone, Date.now());
  if (left > marginMs) return;
  await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
