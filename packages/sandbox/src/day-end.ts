/** Milliseconds until the next midnight in a time zone (minute precision is enough here). */
export function msToMidnight(timeZone: string, now: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const elapsed = (part('hour') * 3600 + part('minute') * 60 + part('second')) * 1000;
  return 86_400_000 - elapsed;
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
