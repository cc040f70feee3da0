import { z } from 'zod';
import { identifierSchema } from './primitives.js';

/**
 * The closed set of field types. Storage adapters map each to a real column type per
 * dialect (decimal and date kept exact), so adding one here means teaching every adapter.
 */
export const FIELD_TYPES = [
  'string',
  'int',
  'float',
  'decimal',
  'date',
  'datetime',
  'bool',
  'json',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Precision and scale a decimal field gets when its definition does not say. */
export const DEFAULT_DECIMAL = Object.freeze({ precision: 20, scale: 4 });

export const fieldSchema = z
  .strictObject({
    /** The local column name. */
    name: identifierSchema,
    type: z.enum(FIELD_TYPES),
    /** @default true: remote data sets leave cells empty more often than their docs admit. */
    nullable: z.boolean().default(true),
    /** The remote column name when it differs from `name` (NDL: `Adj. Close`). */
    from: z.string().min(1).optional(),
    /** Decimal digits in all; decimal fields only. @default 20 */
    precision: z.int().min(1).max(65).optional(),
    /** Digits after the point; decimal fields only. @default 4 */
    scale: z.int().min(0).max(30).optional(),
    description: z.string().optional(),
  })
  .superRefine((field, ctx) => {
    if (field.type !== 'decimal') {
      for (const key of ['precision', 'scale'] as const) {
        if (field[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `only decimal fields take ${key}; this field is ${field.type}`,
          });
        }
      }
      return;
    }
    const precision = field.precision ?? DEFAULT_DECIMAL.precision;
    if ((field.scale ?? DEFAULT_DECIMAL.scale) > precision) {
      ctx.addIssue({
        code: 'custom',
        path: ['scale'],
        message: `scale must not exceed precision (${precision})`,
      });
    }
  })
  .transform((field) =>
    field.type === 'decimal'
      ? {
          ...field,
          precision: field.precision ?? DEFAULT_DECIMAL.precision,
          scale: field.scale ?? DEFAULT_DECIMAL.scale,
        }
      : field,
  );

export type FieldInput = z.input<typeof fieldSchema>;
export type Field = z.output<typeof fieldSchema>;
