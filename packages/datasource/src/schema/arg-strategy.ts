import { z } from 'zod';
import { identifierSchema, paramNameSchema, scalarSchema, sourceIdSchema } from './primitives.js';

/**
 * How a source's requests are cut: the arg strategy names the parameters it sets and the
 * options arg generation needs. Strategies compose one level deep: `fan-out` runs a leaf
 * strategy once per key read from another source's stored table (keys × windows).
 */

/** One request, no varying parameters (e.g. a small reference table). */
const onceSchema = z.strictObject({ kind: z.literal('once') });

/** One request per listed value of one parameter (e.g. `list_status` L, D and P). */
const enumerateSchema = z.strictObject({
  kind: z.literal('enumerate'),
  param: paramNameSchema,
  values: z.array(scalarSchema).min(1),
});

/**
 * Date ranges from the source's cursor (or `since`) to `until`, cut into windows small
 * enough that a window's rows stay under the per-call cap: `windowDays` when given, else
 * `rowCap / rowsPerDay` calendar days.
 */
const dateWindowSchema = z
  .strictObject({
    kind: z.literal('date-window'),
    startParam: paramNameSchema,
    endParam: paramNameSchema,
    windowDays: z.int().min(1).optional(),
    /** Expected rows per calendar day, to size windows under the row cap. */
    rowsPerDay: z.number().positive().optional(),
  })
  .refine((s) => s.windowDays !== undefined || s.rowsPerDay !== undefined, {
    message: 'a date-window strategy needs windowDays or rowsPerDay',
    path: ['windowDays'],
  });

/** One request per open day of the locally stored trade calendar. */
const tradeCalendarSchema = z.strictObject({
  kind: z.literal('trade-calendar'),
  param: paramNameSchema,
  /** @default "tushare.trade_cal" */
  calendar: sourceIdSchema.default('tushare.trade_cal'),
  /** @default "SSE" */
  exchange: z.string().min(1).default('SSE'),
});

/** One request per report period (quarter end, `YYYYMMDD`), from `since` to `until`. */
const reportPeriodSchema = z.strictObject({
  kind: z.literal('report-period'),
  param: paramNameSchema,
  /** Which quarter ends: 1 = Mar 31 … 4 = Dec 31. @default [1, 2, 3, 4] */
  quarters: z
    .array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]))
    .min(1)
    .default([1, 2, 3, 4]),
});

const leafStrategies = [
  onceSchema,
  enumerateSchema,
  dateWindowSchema,
  tradeCalendarSchema,
  reportPeriodSchema,
] as const;
export const leafArgStrategySchema = z.discriminatedUnion('kind', [...leafStrategies]);

/** Where fan-out keys come from: a field of another source's stored table. */
export const keySourceSchema = z.strictObject({
  source: sourceIdSchema,
  field: identifierSchema,
  /** A date field of the key source: no requests for dates before it (e.g. `list_date`). */
  listedFrom: identifierSchema.optional(),
  /** A date field of the key source: no requests for dates after it (e.g. `delist_date`). */
  listedUntil: identifierSchema.optional(),
  /** Keep only key rows whose field has one of these values. */
  where: z.record(identifierSchema, z.array(scalarSchema).min(1)).optional(),
});

const fanOutSchema = z.strictObject({
  kind: z.literal('fan-out'),
  param: paramNameSchema,
  keys: keySourceSchema,
  /** @default { kind: 'once' } */
  each: leafArgStrategySchema.default({ kind: 'once' }),
});

export const argStrategySchema = z.discriminatedUnion('kind', [...leafStrategies, fanOutSchema]);
export const ARG_STRATEGY_KINDS = [
  'once',
  'enumerate',
  'date-window',
  'trade-calendar',
  'report-period',
  'fan-out',
] as const;

export type ArgStrategyInput = z.input<typeof argStrategySchema>;
export type ArgStrategy = z.output<typeof argStrategySchema>;
export type LeafArgStrategy = z.output<typeof leafArgStrategySchema>;
export type FanOutStrategy = Extract<ArgStrategy, { kind: 'fan-out' }>;
export type KeySource = z.output<typeof keySourceSchema>;

/** The parameters a strategy sets on every request it yields. */
export function strategyParams(strategy: ArgStrategy): string[] {
  switch (strategy.kind) {
    case 'once':
      return [];
    case 'date-window':
      return [strategy.startParam, strategy.endParam];
    case 'enumerate':
    case 'trade-calendar':
    case 'report-period':
      return [strategy.param];
    case 'fan-out':
      return [strategy.param, ...strategyParams(strategy.each)];
  }
}

/** The sources a strategy reads from local storage, and which of its options names each. */
export function strategyDependencies(strategy: ArgStrategy): { source: string; via: string }[] {
  switch (strategy.kind) {
    case 'trade-calendar':
      return [{ source: strategy.calendar, via: 'args.calendar' }];
    case 'fan-out':
      return [
        { source: strategy.keys.source, via: 'args.keys.source' },
        ...strategyDependencies(strategy.each).map((d) => ({
          ...d,
          via: d.via.replace('args.', 'args.each.'),
        })),
      ];
    default:
      return [];
  }
}
