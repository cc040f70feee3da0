import type { z } from 'zod';
import { HttpError } from './errors.js';

/** The value at `path` in what the client sent. */
function sentAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path)
    at =
      at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/**
 * The request's query or body as the schema parses it, or a 400 `E_BAD_REQUEST` naming the
 * first bad parameter and the value it got, so a client can tell what to fix.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'query' | 'body',
): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path = issue?.path ?? [];
  const name = path.join('.');
  const subject =
    name === ''
      ? `request ${where}`
      : `${where === 'query' ? 'query parameter' : 'body field'} "${name}"`;
  // The value as sent (a query's "501", not the 501 it was coerced to).
  const sent = sentAt(value, path);
  const got = sent === undefined || name === '' ? '' : ` (got ${JSON.stringify(sent)})`;
  throw new HttpError(
    400,
    'E_BAD_REQUEST',
    `Bad ${subject}: ${issue?.message ?? 'invalid'}${got}.`,
  );
}
