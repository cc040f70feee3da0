import { createHash } from 'node:crypto';

/**
 * A short digest of settings, one part per line: what the ledger keeps to notice that a
 * source's definition or its account changed, without keeping a credential.
 */
export function digestOf(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}
