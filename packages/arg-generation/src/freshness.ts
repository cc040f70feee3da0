import { exchangeOpenDays, type DataSource } from '@dsync/datasource';
import { gridDays } from './audit.js';
import type { ArgContext } from './context.js';
import { addDays } from './dates.js';
import { timingOf } from './publication.js';

/** How far a source's stored data is behind what its provider has published. */
export interface Freshness {
  /** The latest day whose data the provider has out on a usual day (its `publication.by` passed). */
  readonly latestPublished: string;
  /** The latest day of the grid on or before it: the day a current table has rows for. */
  readonly latestExpected?: string;
  /** Grid days after the latest day stored, through `latestExpected`: 0 when current. */
  readonly behind: number;
  /** What `behind` counts: open days of the stored calendar, of an exchange, or report periods. */
  readonly unit: 'trading days' | 'open days' | 'periods';
}

/**
 * How far behind the provider a source's table is, from the latest day it holds: counted in
 * the days (or report periods) of its coverage grid, whatever the time of its last run.
 * Undefined for a source without a grid (no coverage, a snapshot), or whose calendar is not
 * stored.
 */
export async function freshnessOf(
  source: DataSource,
  context: ArgContext,
  latestStored: string | undefined,
  now: Date = new Date(),
): Promise<Freshness | undefined> {
  if (source.coverage === undefined) return undefined;
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  const latestPublished = timingOf(source, { now }).latestOut;
  const from = latestStored === undefined ? source.sync.since : addDays(latestStored, 1);
  if (from === undefined) return undefined;
  const calendar =
    leaf.kind === 'trade-calendar'
      ? await context.tradeCalendar(leaf.calendar, leaf.exchange)
      : undefined;
  if (leaf.kind === 'trade-calendar' && calendar === undefined) return undefined;
  const grid = gridDays(source, calendar, from, latestPublished);
  if (grid === undefined) return undefined;
  const days = [...grid];
  // Past the stored calendar's end the open days are not known yet: weekdays stand in for them.
  if (calendar !== undefined && calendar.last < latestPublished) {
    const after = addDays(calendar.last < from ? addDays(from, -1) : calendar.last, 1);
    days.push(...exchangeOpenDays('weekdays', after, latestPublished));
  }
  const latestExpected = days.at(-1) ?? latestStored;
  return {
    latestPublished,
    ...(latestExpected === undefined ? {} : { latestExpected }),
    behind: days.length,
    unit:
      leaf.kind === 'report-period'
        ? 'periods'
        : leaf.kind === 'trade-calendar'
          ? 'trading days'
          : 'open days',
  };
}

/**
 * The days a sync still asks again because they may change: after the cursor and after the
 * last settled day, through the latest published one. Days between the cursor and the last
 * settled day are not in it: they have settled, they are only not synced yet (`behind`).
 * Undefined when there are none, and for a snapshot.
 */
export async function unsettledOf(
  source: DataSource,
  context: ArgContext,
  cursor: string | undefined,
  now: Date = new Date(),
): Promise<{ start: string; end: string } | undefined> {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  if (cursor === undefined || leaf.kind === 'once' || leaf.kind === 'enumerate') return undefined;
  const calendar =
    leaf.kind === 'trade-calendar' && source.publication.settle.kind === 'trading-days'
      ? await context.tradeCalendar(leaf.calendar, leaf.exchange)
      : undefined;
  const timing = timingOf(source, { now, ...(calendar === undefined ? {} : { calendar }) });
  const end = timing.latestPublished;
  const settled = timing.settledThrough(end);
  const start = addDays(settled > cursor ? settled : cursor, 1);
  return start > end ? undefined : { start, end };
}
