import type { z } from 'zod';
import { HttpError } from './errors.js';

/**
 * The request's query or body as the schema parses it, or a 400 `E_BAD_REQUEST` naming the
 * first bad parameter and the value it got, so a client can tell what to fix.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'query' | 'body',
): z.output<S> {
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path = issue?.path.join('.') ?? '';
  const name = where === 'query' ? `query parameter "${path}"` : `body field "${path}"`;
  const subject = path === '' ? `the request ${where}` : name;
  const got =
    issue !== undefined && 'input' in issue ? ` (got ${JSON.stringify(issue.input)})` : '';
  throw new HttpError(
    400,
    'E_BAD_REQUEST',
    `Bad ${subject}: ${issue?.message ?? 'invalid'}${got}.`,
  );
}
