import type { Provider } from '@dsync/datasource';
import type { AccountLimits } from '../limits/account-limiter.js';

/** An account of a provider: its credential, where its API lives, and its limits. */
export interface AccountConfig {
  /** How the account shows in the ledger, events and logs (never the credential). @default "default" */
  readonly label?: string;
  /** @default the provider's documented limits (Tushare 2,000-point tier; NDL free key) */
  readonly limits?: AccountLimits;
}

/** Limits as the providers document them (provider-protocols.md §3, §7). */
export const DEFAULT_LIMITS: Readonly<Record<Provider, AccountLimits>> = Object.freeze({
  // 2,000 points: 200 calls a minute and 100,000 a day, per interface.
  tushare: {
    windows: [{ limit: 200, windowMs: 60_000 }],
    perDay: 100_000,
    perInterface: true,
    maxConcurrent: 4,
  },
  // A free key: 300 per 10 s, 2,000 per 10 min, 50,000 a day; "one call at a time and one queued".
  ndl: {
    windows: [
      { limit: 300, windowMs: 10_000 },
      { limit: 2_000, windowMs: 600_000 },
    ],
    perDay: 50_000,
    maxConcurrent: 1,
  },
});
