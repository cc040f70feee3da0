import { z } from 'zod';
import { scalarSchema } from './primitives.js';

/**
 * How one request parameter gets its value:
 * - `fixed`: the same on every request (a bare string, number or boolean is shorthand for it);
 * - `each`: every request the arg strategy makes is made once per value (statements: one per
 *   `report_type`);
 * - `template`: a string with `{name}` placeholders filled from the request's other
 *   parameters once the arg strategy has set them (e.g. `end_date: '{start_date}'` for a
 *   one-day range);
 * - `input`: set by the arg strategy or by the user's overrides; `required` ones must be.
 */
export const paramSpecSchema = z.preprocess(
  (value) =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? { kind: 'fixed', value }
      : value,
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fixed'), value: scalarSchema }),
    z.strictObject({ kind: z.literal('each'), values: z.array(scalarSchema).min(1) }),
    z.strictObject({
      kind: z.literal('template'),
      template: z
        .string()
        .regex(
          /\{[A-Za-z_][A-Za-z0-9_.]*\}/,
          'expected a template with at least one {param} placeholder',
        ),
    }),
    z.strictObject({
      kind: z.literal('input'),
      /** @default false */
      required: z.boolean().default(false),
      description: z.string().optional(),
    }),
  ]),
);

export type ParamSpecInput = z.input<typeof paramSpecSchema>;
export type ParamSpec = z.output<typeof paramSpecSchema>;

/** The `{name}` placeholders of a template, in order. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g)].map((m) => m[1] as string);
}
