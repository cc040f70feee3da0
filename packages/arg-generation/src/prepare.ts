import type { DataSource, LeafArgStrategy, Scalar } from '@dsync/datasource';
import type { ArgContext, KeyRow } from './context.js';
import { addDays } from './dates.js';
import { ArgGenerationError } from './errors.js';
import { timingOf, type Timing } from './publication.js';
import { resolveRange, type DateRange, type RangeOptions } from './range.js';
import { isSnapshot, type LeafEnv, type Span } from './strategies/leaf.js';

export interface GenerateOptions extends RangeOptions {
  /** Values for the source's `input` parameters that its strategy does not set. */
  readonly params?: Readonly<Record<string, Scalar>>;
}

/**
 * Everything a source's requests depend on, resolved and checked before the first one is
 * made: the range, the window size, the stored calendar, the fan-out keys.
 */
export interface Prepared {
  readonly source: DataSource;
  readonly leaf: LeafArgStrategy;
  readonly env: LeafEnv;
  /** The sync's range; undefined when the source is up to date. */
  readonly range: DateRange | undefined;
  /** For snapshot strategies: the day the snapshot is taken as of. */
  readonly asOf: string | undefined;
  /** When its days are published and settle, on the sync's clock. */
  readonly timing: Timing;
  /** For fan-outs: the key rows, streamed, and the parameter they go in. */
  readonly fanOut: { readonly param: string; readonly keys: AsyncIterable<KeyRow> } | undefined;
  readonly inputs: Readonly<Record<string, Scalar>>;
}

function windowDays(source: DataSource, leaf: LeafArgStrategy): number | undefined {
  if (leaf.kind !== 'date-window') return undefined;
  if (leaf.windowDays !== undefined) return leaf.windowDays;
  const rowsPerDay = leaf.rowsPerDay ?? 1;
  const days = Math.floor((source.rowCap ?? 0) / rowsPerDay);
  if (days < 1) {
    throw new ArgGenerationError(
      'E_WINDOW',
      source.id,
      `a one-day window holds about ${rowsPerDay} rows, more than the row cap of ${source.rowCap ?? 0}; page within the day, or lower rowsPerDay`,
    );
  }
  return days;
}

async function calendarFor(
  context: ArgContext,
  source: DataSource,
  leaf: LeafArgStrategy,
  range: DateRange | undefined,
) {
  if (leaf.kind !== 'trade-calendar' || range === undefined) return undefined;
  const calendar = await context.tradeCalendar(leaf.calendar, leaf.exchange);
  const where = `${leaf.calendar} (exchange ${leaf.exchange})`;
  if (calendar === undefined) {
    throw new ArgGenerationError(
      'E_CALENDAR',
      source.id,
      `no calendar of ${where} is stored: sync ${leaf.calendar} first, or check the exchange`,
    );
  }
  if (calendar.first > range.start || calendar.last < range.end) {
    throw new ArgGenerationError(
      'E_CALENDAR',
      source.id,
      `the stored calendar of ${where} covers ${calendar.first}..${calendar.last}, not ${range.start}..${range.end}: sync ${leaf.calendar} first`,
    );
  }
  return calendar;
}

export async function prepare(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions = {},
): Promise<Prepared> {
  const { args } = source;
  const leaf = args.kind === 'fan-out' ? args.each : args;
  const snapshot = isSnapshot(leaf);
  const range = snapshot ? undefined : resolveRange(source, options);
  const env: LeafEnv = {
    source,
    windowDays: windowDays(source, leaf),
    calendar: await calendarFor(context, source, leaf, range),
  };
  let fanOut: Prepared['fanOut'];
  if (args.kind === 'fan-out' && (snapshot || range !== undefined)) {
    const keys = await context.keyRows(args.keys);
    if (keys === undefined) {
      throw new ArgGenerationError(
        'E_MISSING_DEPENDENCY',
        source.id,
        `its keys come from ${args.keys.source}, which has nothing stored: sync it first`,
      );
    }
    fanOut = { param: args.param, keys };
  }
  const timing = timingOf(source, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(env.calendar === undefined ? {} : { calendar: env.calendar }),
  });
  const asOf = snapshot ? (options.until ?? timing.latestPublished) : undefined;
  return { source, leaf, env, range, timing, asOf, fanOut, inputs: options.params ?? {} };
}

/** A fan-out key's span: its listed days within the sync's range (report periods: the listing bounds the periods). */
export function spanOf(
  leaf: LeafArgStrategy,
  range: DateRange | undefined,
  key: KeyRow,
): Span | undefined {
  if (range === undefined) return undefined;
  if (leaf.kind === 'report-period') return { ...range, from: key.from, until: key.until };
  const start = key.from !== undefined && key.from > range.start ? key.from : range.start;
  const lastListed = key.until === undefined ? undefined : addDays(key.until, -1);
  const end = lastListed !== undefined && lastListed < range.end ? lastListed : range.end;
  return start > end ? undefined : { start, end };
}

/**
 * Where a source's cursor stands once a sync of this range has finished: the range's last
 * settled day (a snapshot: the day it was taken). The days after it are asked again by the
 * next sync. Undefined when the range is empty.
 */
export async function cursorAfterSync(
  source: DataSource,
  context: ArgContext,
  options: RangeOptions,
): Promise<string | undefined> {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  if (isSnapshot(leaf)) return options.until ?? timingOf(source, options).latestPublished;
  const range = resolveRange(source, options);
  if (range === undefined) return undefined;
  const calendar =
    leaf.kind === 'trade-calendar' && source.publication.settle.kind === 'trading-days'
      ? await context.tradeCalendar(leaf.calendar, leaf.exchange)
      : undefined;
  const timing = timingOf(source, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(calendar === undefined ? {} : { calendar }),
  });
  const settled = timing.settledThrough(range.end);
  const before = addDays(range.start, -1);
  return settled < before ? before : settled;
}
