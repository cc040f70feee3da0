import { reportPeriods } from '../dates.js';

/**
 * Report periods and when their statements are due. Listed companies must publish a
 * quarter's report by a statutory deadline (Q1 by April 30, the half year by August 31,
 * Q3 by October 31, the annual report by April 30 of the next year); restatements come
 * later. A source's publication settings say how long after the deadline a period may
 * still change.
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
 * The quarter ends within `[start, end]` that lie within `[listedFrom, listedUntil)`, oldest
 * first: the periods a sync asks for. A period is asked for from its quarter end on (early
 * filers publish weeks before the deadline) until it has settled.
 */
export function* periodsWithin(
  start: string,
  end: string,
  quarters: readonly Quarter[],
  listed: { from?: string; until?: string } = {},
): Generator<string> {
  for (const period of reportPeriods(start, end, quarters)) {
    if (
      (listed.from !== undefined && period < listed.from) ||
      (listed.until !== undefined && period >= listed.until)
    )
      continue;
    yield period;
  }
}
