import { redactText } from '@dsync/storage-adapters';
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
 * Adds the security headers to every answer and scrubs every text payload: an error message
 * a library built from a connection URL, a ledger row with a token in it, never leave.
 */
export function harden(fastify: FastifyInstance, scrub: Scrub): void {
  fastify.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return typeof payload === 'string' ? scrub(payload) : payload;
  });
}
