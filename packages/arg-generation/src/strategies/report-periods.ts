import { addDays } from '../dates.js';

/**
 * Report periods and when their statements are complete. Listed companies must publish a
 * quarter's report by a statutory deadline (Q1 by April 30, the half year by August 31,
 * Q3 by October 31, the annual report by April 30 of the next year). A period is fetched
 * on the first sync after its deadline: before it, an empty answer would be recorded as
 * done and the period never asked for again.
 */

const QUARTER_ENDS = ['03-31', '06-30', '09-30', '12-31'] as const;
const DEADLINES = ['04-30', '08-31', '10-31', '04-30'] as const;

export type Quarter = 1 | 2 | 3 | 4;

/** The reporting deadline of a quarter end (ISO). */
export function reportDeadline(period: string): string {
  const q = QUARTER_ENDS.indexOf(period.slice(5) as (typeof QUARTER_ENDS)[number]);
  const year = Number(period.slice(0, 4)) + (q === 3 ? 1 : 0);
  return `${year}-${DEADLINES[q] ?? '04-30'}`;
}

/**
 * The periods whose deadline falls within `[start, end]` and whose quarter end lies within
 * `[listedFrom, listedUntil)`, oldest first.
 */
export function* periodsDue(
  start: string,
  end: string,
  quarters: readonly Quarter[],
  listed: { from?: string; until?: string } = {},
): Generator<string> {
  // A deadline in [start, end] belongs to a period at most 16 months earlier.
  const first = addDays(start, -490);
  for (let year = Number(first.slice(0, 4)); year <= Number(end.slice(0, 4)); year++) {
    for (const q of [...quarters].sort()) {
      const period = `${year}-${QUARTER_ENDS[q - 1]}`;
      const deadline = reportDeadline(period);
      if (deadline < start || deadline > end) continue;
      if (
        (listed.from !== undefined && period < listed.from) ||
        (listed.until !== undefined && period >= listed.until)
      )
        continue;
      yield period;
    }
  }
}
