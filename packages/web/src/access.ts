import { timingSafeEqual } from 'node:crypto';
import { DsyncError } from '@dsync/datasource';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether a bind address is reachable from this machine only. */
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

/** The web interface refuses to listen beyond loopback unless every request must carry a token. */
export function assertSafeBind(host: string, accessToken: string | undefined): void {
  if (!isLoopback(host) && (accessToken === undefined || accessToken.length < 16)) {
    throw new DsyncError(
      'E_UNSAFE_BIND',
      `Refusing to listen on ${host} without an access token of at least 16 characters: anyone who can reach it could start syncs. ` +
        'Bind 127.0.0.1, or set an access token.',
    );
  }
}

/** Compares the `Authorization: Bearer …` header to the token in constant time. */
export function hasAccess(header: string | undefined, accessToken: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(accessToken);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
