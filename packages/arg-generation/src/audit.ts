import {
  createRequestArgs,
  exchangeOpenDays,
  type DataSource,
  type RequestArgs,
  type Scalar,
} from '@dsync/datasource';
import type { ArgContext, KeyRow, StoredCalendar } from './context.js';
import { formatDate } from './dates.js';
import { ArgGenerationError } from './errors.js';
import { eachCombinations, requestParams } from './params.js';
import { prepare, type GenerateOptions, type Prepared } from './prepare.js';
import type { DateRange } from './range.js';
import { periodsWithin, reportDeadline } from './strategies/report-periods.js';

/** One day (or report period) of the grid with cells missing. */
export interface Hole {
  readonly date: string;
  readonly missing: number;
  /** The missing keys, the first `HOLE_KEYS_SHOWN` of them (empty when the grid has no key axis). */
  readonly keys: readonly string[];
}

/** How many missing keys a hole lists by name: enough to act on, bounded for a year-long hole. */
export const HOLE_KEYS_SHOWN = 20;

export interface AuditReport {
  readonly sourceId: string;
  readonly range: DateRange | undefined;
  /** Cells of the expected grid: open days (or periods) × keys listed on each. */
  readonly expected: number;
  /** Expected cells that are stored. */
  readonly stored: number;
  readonly missing: number;
  /** Every day or period with a missing cell, oldest first. */
  readonly holes: readonly Hole[];
}

interface Grid {
  readonly p: Prepared;
  readonly range: DateRange | undefined;
  readonly dates: readonly string[];
  readonly keys: readonly KeyRow[] | undefined;
  readonly keyField: string | undefined;
  readonly dateField: string;
}

/**
 * The days a complete table has rows for within `[start, end]`: the open days of its stored
 * calendar or of its coverage's exchange calendar, or the report periods due by `end`.
 * Undefined for a strategy without a day grid (a snapshot).
 */
export function gridDays(
  source: DataSource,
  calendar: StoredCalendar | undefined,
  start: string,
  end: string,
): readonly string[] | undefined {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  switch (leaf.kind) {
    case 'trade-calendar':
      return calendar?.openDays(start, end) ?? [];
    case 'date-window':
      return exchangeOpenDays(source.coverage?.calendar ?? 'weekdays', start, end);
    case 'report-period':
      // A period is expected complete once its filing deadline has passed.
      return [...periodsWithin(start, end, leaf.quarters)].filter(
        (period) => reportDeadline(period) <= end,
      );
    default:
      return undefined;
  }
}

const listedOn = (key: KeyRow, date: string) =>
  (key.from === undefined || key.from <= date) && (key.until === undefined || date < key.until);

async function gridOf(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions,
): Promise<Grid> {
  const unsupported = (why: string) =>
    new ArgGenerationError('E_AUDIT', source.id, `it cannot be audited: ${why}`);
  const { coverage } = source;
  if (coverage === undefined)
    throw unsupported(
      'its definition has no coverage (which date and key fields a complete table fills)',
    );
  // An audit checks the whole history, wherever the cursor stands.
  const p = await prepare(source, context, { ...options, state: undefined });
  const { leaf, range } = p;
  const dates = range === undefined ? [] : gridDays(source, p.env.calendar, range.start, range.end);
  if (dates === undefined)
    throw unsupported(`its "${leaf.kind}" strategy has no day grid to compare with`);

  let keys: KeyRow[] | undefined;
  const keySource =
    coverage.keys ?? (source.args.kind === 'fan-out' ? source.args.keys : undefined);
  if (coverage.keyField !== undefined && keySource !== undefined) {
    const rows = p.fanOut?.keys ?? (await context.keyRows(keySource));
    if (rows === undefined) {
      throw new ArgGenerationError(
        'E_MISSING_DEPENDENCY',
        source.id,
        `its expected keys come from ${keySource.source}, which has nothing stored: sync it first`,
      );
    }
    keys = [];
    for await (const row of rows) keys.push(row);
  }
  return { p, range, dates, keys, keyField: coverage.keyField, dateField: coverage.dateField };
}

/** Walks the grid against what is stored, one day at a time, in memory bounded by one day's keys. */
async function* holesOf(
  grid: Grid,
  context: ArgContext,
): AsyncGenerator<Hole & { expected: number }> {
  const { dates, keys } = grid;
  const first = dates[0];
  const last = dates.at(-1);
  if (first === undefined || last === undefined) return;
  // The grid's own dates bound the query: report periods lie before the range of their deadlines.
  const fields = { dateField: grid.dateField, keyField: grid.keyField };
  const cells = context.storedCells(grid.p.source.id, fields, { start: first, end: last });
  const stored = cells[Symbol.asyncIterator]();
  let next = await stored.next();
  for (const date of dates) {
    while (!next.done && next.value.date < date) next = await stored.next();
    const present = new Set<string>();
    while (!next.done && next.value.date === date) {
      present.add(next.value.key ?? '');
      next = await stored.next();
    }
    const expectedKeys =
      keys === undefined ? [''] : keys.filter((k) => listedOn(k, date)).map((k) => k.key);
    const missingKeys = expectedKeys.filter((k) => !present.has(k));
    yield {
      date,
      expected: expectedKeys.length,
      missing: missingKeys.length,
      keys: keys === undefined ? [] : missingKeys,
    };
  }
}

/**
 * Compares what a source has stored with the grid a complete table fills (open days × keys
 * listed on each, or report periods × keys), without syncing anything.
 */
export async function auditReport(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions = {},
): Promise<AuditReport> {
  const grid = await gridOf(source, context, options);
  let expected = 0;
  let missing = 0;
  const holes: Hole[] = [];
  for await (const day of holesOf(grid, context)) {
    expected += day.expected;
    missing += day.missing;
    if (day.missing > 0)
      holes.push({
        date: day.date,
        missing: day.missing,
        keys: day.keys.slice(0, HOLE_KEYS_SHOWN),
      });
  }
  return {
    sourceId: source.id,
    range: grid.range,
    expected,
    stored: expected - missing,
    missing,
    holes,
  };
}

/**
 * The requests that fill a source's holes, lazily: one per day with a hole for a
 * market-wide source (the day is fetched whole), one per missing (key, day) for a fan-out.
 */
export async function* gapArgs(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions = {},
): AsyncGenerator<RequestArgs> {
  const grid = await gridOf(source, context, options);
  const { p } = grid;
  // A grid's day is asked alone: the date parameter, or a window of that one day.
  const { leaf } = p;
  const dayParams = (date: string): Record<string, Scalar> => {
    const day = formatDate(date, source.dateFormat);
    if (leaf.kind === 'date-window') return { [leaf.startParam]: day, [leaf.endParam]: day };
    return leaf.kind === 'trade-calendar' || leaf.kind === 'report-period'
      ? { [leaf.param]: day }
      : {};
  };
  const combinations = eachCombinations(source);
  const make = (date: string, each: Record<string, Scalar>, key?: string): RequestArgs => {
    const set = {
      ...each,
      ...dayParams(date),
      ...(key === undefined || p.fanOut === undefined ? {} : { [p.fanOut.param]: key }),
    };
    return createRequestArgs(source.id, source.api, requestParams(source, set, p.inputs), {
      window: { start: date, end: date },
      settles: p.timing.settlesAt(date),
    });
  };
  for await (const hole of holesOf(grid, context)) {
    if (hole.missing === 0) continue;
    const keys = p.fanOut === undefined ? [undefined] : hole.keys;
    for (const key of keys) for (const each of combinations) yield make(hole.date, each, key);
  }
}
