import { Cron } from 'croner';
import { z } from 'zod';

/**
 * The small value types definitions are made of. Each one validates and normalises once,
 * so the rest of dsync reads only the resolved form (ISO dates, milliseconds).
 */

/** A SQL-safe identifier for tables and columns: quoted by Knex anyway, but kept portable (PostgreSQL stops at 63). */
export const identifierSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    'expected a name of letters, digits and _ (not starting with a digit, at most 63 characters)',
  );

/** A source id: dotted words, e.g. `tushare.daily` or `ndl.SHARADAR.SEP`. */
export const sourceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/,
    'expected a source id of dotted words, e.g. "tushare.daily"',
  );

/** A request parameter name as the API spells it (NDL uses dots: `date.gte`, `qopts.cursor_id`). */
export const paramNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a parameter name of letters, digits, _ and .');

export const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof scalarSchema>;

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/** Turns `YYYYMMDD` or `YYYY-MM-DD` into `YYYY-MM-DD`, or undefined when it is not a real date. */
export function toIsoDate(text: string): string | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? undefined : iso;
}

/** A calendar date given as `YYYYMMDD` or `YYYY-MM-DD`; resolved to `YYYY-MM-DD`. */
export const isoDateSchema = z.string().transform((text, ctx) => {
  const iso = toIsoDate(text);
  if (iso === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a date as YYYYMMDD or YYYY-MM-DD, got "${text}"`,
    });
    return z.NEVER;
  }
  return iso;
});

const DURATION_UNITS_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

/** Parses `90s`, `30m`, `12h`, `1d`, `2w` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS_MS[m[2] as keyof typeof DURATION_UNITS_MS];
}

/** A duration such as `12h` or `1d`, or a number of milliseconds; resolved to milliseconds. */
export const durationSchema = z
  .union([z.number().positive(), z.string()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as "30m", "12h" or "1d", got "${String(value)}"`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A cron expression (5 or 6 fields, croner syntax), checked by parsing it. */
export const cronSchema = z.string().superRefine((pattern, ctx) => {
  try {
    new Cron(pattern, { paused: true });
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a cron expression such as "0 18 * * 1-5": ${(error as Error).message}`,
    });
  }
});

/** An IANA time zone name, checked against the runtime's zone database. */
export const timezoneSchema = z.string().superRefine((zone, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `expected an IANA time zone such as "Asia/Shanghai", got "${zone}"`,
    });
  }
});

/** A local time of day `HH:MM`, from 00:00 to 23:59. */
export const timeOfDaySchema = z.string().transform((value, ctx) => {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a time of day from 00:00 to 23:59 as HH:MM; got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return value;
});
