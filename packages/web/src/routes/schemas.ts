import { TASK_STATUSES } from '@dsync/datasource';
import { z } from 'zod';

/** The most rows, runs or tasks one answer holds: pages keep answers small. */
export const MAX_LIMIT = 500;

/** A calendar date as `YYYY-MM-DD` that exists (no 2024-02-30). */
const isoDate = z
  .string()
  .refine(
    (value) =>
      /^\d{4}-\d{2}-\d{2}$/.test(value) &&
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value,
    { message: 'expected a date as YYYY-MM-DD' },
  );

/** A query count: query strings are text, so it is coerced, then bounded. */
const limit = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a whole number' })
    .int({ message: 'expected a whole number' })
    .min(1, { message: 'expected at least 1' })
    .max(MAX_LIMIT, { message: `expected at most ${MAX_LIMIT}` })
    .default(fallback);

export const rowsQuery = z.object({
  offset: z.coerce
    .number({ message: 'expected a whole number' })
    .int({ message: 'expected a whole number' })
    .min(0, { message: 'expected 0 or more' })
    .default(0),
  limit: limit(100),
});

export const runsQuery = z.object({ limit: limit(50) });

export const tasksQuery = z.object({
  source: z.string().min(1).optional(),
  status: z
    .enum(TASK_STATUSES, { message: `expected one of ${TASK_STATUSES.join(', ')}` })
    .optional(),
  run: z.string().min(1).optional(),
  limit: limit(100),
});

export const syncRequest = z.strictObject({
  ids: z.array(z.string().min(1)).optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
});

export const auditRequest = syncRequest.extend({ backfill: z.boolean().optional() });
