import { addDays, resolveRange } from '@dsync/arg-generation';
import type {
  ArgContext,
  CheckpointStore,
  DataSource,
  DataSourceRegistry,
  StoredCalendar,
} from '@dsync/datasource';
import type { SourcePlan, SyncOptions } from '@dsync/synchronizer';

/**
 * A plan made before a sync stores what it reads back would count nothing for the sources
 * that need it: the controller counts a per-trading-day source as 0 until the calendar is
 * stored, though the calendar is synced first in the same run. The CLI plans through a
 * context whose calendar falls back to weekdays where none is stored, and says so.
 */

export interface EstimatedPlan extends SourcePlan {
  /** `unknown`: counted once another source (a fan-out's keys) is stored; `requests` is 0 till then. */
  readonly count: 'exact' | 'estimate' | 'unknown';
  /** Why it is not exact. */
  readonly note?: string;
}

type Estimate = Pick<EstimatedPlan, 'count' | 'note'>;

export type PlanOptions = Omit<SyncOptions, 'signal'>;

const min = (a: string, b: string) => (a < b ? a : b);
const max = (a: string, b: string) => (a > b ? a : b);

/** Monday to Friday from `start` to `end`: an exchange's open days, before its holidays are known. */
function weekdays(start: string, end: string): string[] {
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day);
  }
  return days;
}

/** The stored calendar where it has days, weekdays before and after: it covers any range. */
function calendarWithWeekdays(stored: StoredCalendar | undefined): StoredCalendar {
  return {
    first: '0001-01-01',
    last: '9999-12-31',
    openDays(start, end) {
      if (stored === undefined) return weekdays(start, end);
      return [
        ...weekdays(start, min(end, addDays(stored.first, -1))),
        ...stored.openDays(max(start, stored.first), min(end, stored.last)),
        ...weekdays(max(start, addDays(stored.last, 1)), end),
      ];
    },
  };
}

/** What a plan reads, with calendars that are missing, or short of a range, filled with weekdays. */
export function estimatingContext(context: ArgContext): ArgContext {
  return {
    tradeCalendar: async (source, exchange) =>
      calendarWithWeekdays(await context.tradeCalendar(source, exchange)),
    keyRows: (keys) => context.keyRows(keys),
    storedCells: (sourceId, fields, range) => context.storedCells(sourceId, fields, range),
  };
}

export interface NoteInputs {
  readonly context: ArgContext;
  readonly checkpoints: CheckpointStore;
  readonly options: PlanOptions & { readonly now: Date };
}

const EXACT: Estimate = { count: 'exact' };

/** How good a source's count is: exact, or why not (a calendar or keys not stored yet). */
async function estimateOf(source: DataSource, inputs: NoteInputs): Promise<Estimate> {
  const { args } = source;
  if (args.kind === 'fan-out' && (await inputs.context.keyRows(args.keys)) === undefined)
    return { count: 'unknown', note: `counted once ${args.keys.source} is stored` };
  const leaf = args.kind === 'fan-out' ? args.each : args;
  if (leaf.kind !== 'trade-calendar') return EXACT;
  const { since, until, now } = inputs.options;
  const range = resolveRange(source, {
    since,
    until,
    now,
    state: await inputs.checkpoints.getSourceState(source.id),
  });
  if (range === undefined) return EXACT;
  const calendar = await inputs.context.tradeCalendar(leaf.calendar, leaf.exchange);
  if (calendar !== undefined && calendar.first <= range.start && calendar.last >= range.end)
    return EXACT;
  return {
    count: 'estimate',
    note: `weekdays where ${leaf.calendar} (${leaf.exchange}) is not stored for ${range.start}..${range.end}`,
  };
}

/** The plans, each marked exact or not, and why. */
export async function markEstimates(
  plans: readonly SourcePlan[],
  registry: DataSourceRegistry,
  inputs: NoteInputs,
): Promise<EstimatedPlan[]> {
  const out: EstimatedPlan[] = [];
  for (const plan of plans) {
    out.push({ ...plan, ...(await estimateOf(registry.get(plan.sourceId), inputs)) });
  }
  return out;
}
