import { toIsoDate, type DataSource, type SourceState } from '@dsync/datasource';
import { addDays } from './dates.js';
import { ArgGenerationError } from './errors.js';
import { timingOf } from './publication.js';

export interface RangeOptions {
  /** Overrides the source's `sync.since` (and the cursor: a backfill from this date). */
  readonly since?: string;
  /** The last day to fetch. @default the latest day the provider has published */
  readonly until?: string;
  /** Where the source stands: its cursor (the last settled day, fully stored) moves the start. */
  readonly state?: Pick<SourceState, 'cursor'>;
  /** The clock. @default new Date() */
  readonly now?: Date;
}

export interface DateRange {
  readonly start: string;
  readonly end: string;
}

/**
 * The latest day whose data the provider may have published at `now`: today in the
 * source's publication time zone once the local time is past `publication.from`, yesterday
 * before it, less the publication's lag in days.
 */
export function latestPublished(source: DataSource, now: Date = new Date()): string {
  return timingOf(source, { now }).latestPublished;
}

const parse = (source: DataSource, value: string, what: string): string => {
  const iso = toIsoDate(value);
  if (iso === undefined)
    throw new ArgGenerationError(
      'E_BAD_RANGE',
      source.id,
      `${what} "${value}" is not a date (YYYY-MM-DD or YYYYMMDD)`,
    );
  return iso;
};

/**
 * The days a sync covers: from the day after the cursor (or from `since`) to `until`, by
 * default the latest day published. The days after the last settled one are in it again on
 * every sync until they settle. Undefined when the source is already up to date.
 * @throws ArgGenerationError when no start is known or an explicit `since` is after `until`
 */
export function resolveRange(
  source: DataSource,
  options: RangeOptions = {},
): DateRange | undefined {
  const end =
    options.until === undefined
      ? latestPublished(source, options.now)
      : parse(source, options.until, 'until');
  const since = options.since === undefined ? undefined : parse(source, options.since, 'since');
  if (since !== undefined && since > end) {
    throw new ArgGenerationError('E_BAD_RANGE', source.id, `since ${since} is after until ${end}`);
  }
  const cursor = options.state?.cursor;
  const start =
    since ??
    (cursor === undefined ? source.sync.since : addDays(parse(source, cursor, 'the cursor'), 1));
  if (start === undefined) {
    throw new ArgGenerationError(
      'E_BAD_RANGE',
      source.id,
      'nothing is stored and the source has no sync.since: set one, or pass since',
    );
  }
  return start > end ? undefined : { start, end };
}
