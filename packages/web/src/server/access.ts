import { createHash, timingSafeEqual } from 'node:crypto';
import { DsyncError } from '@dsync/datasource';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether a bind address is reachable from this machine only. */
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

/** The shortest access token accepted beyond loopback: long enough not to be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** The web interface refuses to listen beyond loopback unless every request must carry a token. */
export function assertSafeBind(host: string, accessToken: string | undefined): void {
  if (!isLoopback(host) && (accessToken === undefined || accessToken.length < MIN_TOKEN_LENGTH)) {
    throw new DsyncError(
      'E_UNSAFE_BIND',
      `Refusing to listen on ${host} without an access token of at least ${MIN_TOKEN_LENGTH} characters: anyone who can reach it could start syncs. ` +
        'Bind 127.0.0.1, or set an access token.',
    );
  }
}

/**
 * The token a request presents: `Bearer <token>` (scripts), or the password of HTTP Basic
 * with any user name (browsers prompt for it and resend it on every request, EventSource too).
 */
function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

// Digests have one length whatever was sent, so the comparison time says nothing about the token.
const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the `Authorization` header carries the access token; compared in constant time. */
export function hasAccess(header: string | undefined, accessToken: string): boolean {
  const given = presentedToken(header);
  return given !== undefined && timingSafeEqual(digest(given), digest(accessToken));
}
