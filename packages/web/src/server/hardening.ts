import { redactText } from '@dsync/datasource';
import type { FastifyInstance } from 'fastify';

/**
 * Sent with every answer. The CSP allows this origin's own scripts, styles and connections
 * only (the UI bundle has no inline script or style), so injected markup could run nothing;
 * no framing (clickjacking), no MIME sniffing (a JSON answer is never taken for HTML), no
 * referrer (URLs leave nothing behind).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A text with the given credentials, URL passwords and query-string keys hidden. */
export type Scrub = (text: string) => string;

export const scrubberOf =
  (secrets: readonly string[]): Scrub =>
  (text) =>
    redactText(text, ...secrets);

/**
 * Every string inside a JSON value scrubbed. Strings one by one, not the serialised text: a
 * query-string credential's pattern runs to the next space, and would eat JSON's quotes.
 */
export function scrubJson(value: unknown, scrub: Scrub): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, scrub));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubJson(v, scrub)]));
}

const isJson = (type: unknown) => typeof type === 'string' && type.includes('json');

/** A JSON text with its strings scrubbed; text that does not parse, as text. */
function scrubJsonText(text: string, scrub: Scrub): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return scrub(text);
  }
  return JSON.stringify(scrubJson(value, scrub));
}

/**
 * Adds the security headers to every answer and scrubs every text payload on its way out
 * (JSON value by value): an error message a library built from a connection URL, a ledger
 * row with a token in it, never leave.
 */
export function harden(fastify: FastifyInstance, scrub: Scrub): void {
  fastify.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    if (typeof payload !== 'string') return payload;
    return isJson(reply.getHeader('content-type')) ? scrubJsonText(payload, scrub) : scrub(payload);
  });
}
