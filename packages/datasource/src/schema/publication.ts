import { z } from 'zod';
import { parseDuration, timeOfDaySchema, timezoneSchema } from './primitives.js';

/**
 * When a day's data appears at the provider and until when it may still change. A day's
 * data is *published* between `from` and `by` (local time in `timezone`, `lagDays` after the
 * day itself) and *settles* `settle` after `by`: until then a sync asks for it again, since
 * a late publication, a revised bar or a restated statement may still change it.
 */

/** How long after its publication a day's data may still change, resolved. */
export type Settle =
  /** Final once published. */
  | { readonly kind: 'none' }
  /** A fixed time after `by`. */
  | { readonly kind: 'duration'; readonly ms: number }
  /** Until `by` of the n-th open day after it (bars: corrections come with the next day's data). */
  | { readonly kind: 'trading-days'; readonly n: number }
  /** Calendar months after `by` (statements: restatements). */
  | { readonly kind: 'months'; readonly n: number };

const SETTLE_HELP =
  'expected how long a day may still change after it is published: "1 trading day", "3 months", a duration such as "12h" or "2d", or 0';

/** Parses a settle window: `0`, `"12h"`, `"2d"`, `"1 trading day"`, `"3 months"`. */
export function parseSettle(value: number | string): Settle | undefined {
  if (value === 0 || value === '0') return { kind: 'none' };
  if (typeof value !== 'string') return undefined;
  const counted = /^(\d+)\s*(trading days?|months?)$/.exec(value.trim());
  if (counted !== null) {
    const n = Number(counted[1]);
    if (n === 0) return { kind: 'none' };
    return counted[2]?.startsWith('trading') === true
      ? { kind: 'trading-days', n }
      : { kind: 'months', n };
  }
  const ms = parseDuration(value);
  if (ms === undefined) return undefined;
  return ms === 0 ? { kind: 'none' } : { kind: 'duration', ms };
}

const settleSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const settle = parseSettle(value);
  if (settle === undefined) {
    ctx.addIssue({ code: 'custom', message: `${SETTLE_HELP}; got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return settle;
});

const lagSchema = z.number().transform((value, ctx) => {
  if (!Number.isInteger(value) || value < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a whole number of days ≥ 0 (how many days after its own day a day's data appears); got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return value;
});

const recheckSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected how often a day not settled yet is asked again, a duration such as "1d" or "7d", or 0 for every run; got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A definition's publication settings; any left out come from its provider's defaults. */
export const publicationSchema = z.strictObject({
  /** The time zone `from` and `by` are in. @default the provider's market zone */
  timezone: timezoneSchema.optional(),
  /** The earliest local time a day's data appears: a sync asks for the day from then on. */
  from: timeOfDaySchema.optional(),
  /** The local time a day's data is out by on a usual day; the settle window starts here. */
  by: timeOfDaySchema.optional(),
  /** Days after its own day that a day's data appears (NDL tables: 1). */
  lagDays: lagSchema.optional(),
  /** How long after `by` a day may still change: `"1 trading day"`, `"3 months"`, `"12h"`, 0. */
  settle: settleSchema.optional(),
  /** How often a day not settled yet is asked again; 0 asks it on every run. */
  recheck: recheckSchema.optional(),
});

export type PublicationInput = z.input<typeof publicationSchema>;

/** A source's publication with every default resolved: what the rest of dsync reads. */
export interface Publication {
  readonly timezone: string;
  readonly from: string;
  readonly by: string;
  readonly lagDays: number;
  readonly settle: Settle;
  /** Milliseconds between two asks of an unsettled day; 0: every run. */
  readonly recheck: number;
}

/** What a provider's sources publish like unless their definition says otherwise. */
export interface PublicationDefaults {
  readonly from: string;
  readonly by: string;
  readonly lagDays: number;
  readonly settle: Settle;
}

/**
 * Fills what a definition left out from its provider's defaults. `by` left out is the
 * provider's, or the definition's own `from` when that is later.
 */
export function resolvePublication(
  given: z.output<typeof publicationSchema> | undefined,
  defaults: PublicationDefaults,
  timezone: string,
): Publication {
  const from = given?.from ?? defaults.from;
  return {
    timezone: given?.timezone ?? timezone,
    from,
    by: given?.by ?? (defaults.by < from ? from : defaults.by),
    lagDays: given?.lagDays ?? defaults.lagDays,
    settle: given?.settle ?? defaults.settle,
    recheck: given?.recheck ?? 0,
  };
}

/** Writes a settle window the way a definition spells it, for messages and `dsync sources`. */
export function formatSettle(settle: Settle): string {
  switch (settle.kind) {
    case 'none':
      return 'final once published';
    case 'duration': {
      const hours = settle.ms / 3_600_000;
      return Number.isInteger(hours / 24)
        ? `${hours / 24}d`
        : Number.isInteger(hours)
          ? `${hours}h`
          : `${settle.ms / 60_000}m`;
    }
    case 'trading-days':
      return `${settle.n} trading day${settle.n === 1 ? '' : 's'}`;
    case 'months':
      return `${settle.n} month${settle.n === 1 ? '' : 's'}`;
  }
}
