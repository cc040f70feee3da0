import { DEFAULT_LIMITS, type AccountLimits, type RateWindow } from '@dsync/synchronizer';
import {
  ConfigError,
  TUSHARE_TIERS,
  type NdlAccount,
  type TushareAccount,
  type TushareTier,
} from './schema.js';

/**
 * An account's limits for the synchronizer, from what its config says: the provider's
 * documented limits (DEFAULT_LIMITS: Tushare's 2,000-point tier, NDL's free key), replaced
 * by those of the account's tier or premium key, then by the account's own overrides.
 */

const MINUTE = 60_000;
const TEN_SECONDS = 10_000;
const TEN_MINUTES = 600_000;

interface TierLimits {
  readonly perMinute: number;
  /** Undefined where the tier has no daily cap. */
  readonly perDay?: number;
}

/**
 * provider-protocols.md §3, doc_id=290: calls a minute and a day per interface. From 5,000
 * points ordinary data has no daily total; the lower limits of "special" data (10,000 points:
 * 300 a minute) and of single interfaces belong to those sources' own `limits`.
 */
const TUSHARE_TIER_LIMITS = {
  120: { perMinute: 50, perDay: 8_000 },
  2000: { perMinute: 200, perDay: 100_000 },
  5000: { perMinute: 500 },
  10000: { perMinute: 500 },
  15000: { perMinute: 500 },
} as const satisfies Record<TushareTier, TierLimits>;

/**
 * provider-protocols.md §7: a premium key has 5,000 calls per 10 minutes and 720,000 a day.
 * The docs give it no 10-second limit, so the free key's 300 per 10 s is dropped (an
 * override can add one back); the concurrency stays the free key's one at a time.
 */
const NDL_PREMIUM = {
  windows: [{ limit: 5_000, windowMs: TEN_MINUTES }],
  perDay: 720_000,
} as const;

type TushareLimitSettings = Pick<TushareAccount, 'tier' | 'limits'>;
type NdlLimitSettings = Pick<NdlAccount, 'premium' | 'limits'>;

/** The windows with the one of `windowMs` set to `limit` (added if missing), shortest first. */
function withWindow(
  windows: readonly RateWindow[],
  windowMs: number,
  limit: number | undefined,
): readonly RateWindow[] {
  if (limit === undefined) return windows;
  return [...windows.filter((w) => w.windowMs !== windowMs), { limit, windowMs }].sort(
    (a, b) => a.windowMs - b.windowMs,
  );
}

function isTier(tier: number): tier is TushareTier {
  return (TUSHARE_TIERS as readonly number[]).includes(tier);
}

function tierLimits(tier: number | undefined): TierLimits | undefined {
  if (tier === undefined) return undefined;
  if (isTier(tier)) return TUSHARE_TIER_LIMITS[tier];
  // The schema admits only known tiers; a caller building the account by hand may not.
  throw new ConfigError(undefined, [
    {
      keyPath: 'accounts.tushare.tier',
      message: `unknown Tushare tier ${String(tier)}; known tiers: ${TUSHARE_TIERS.join(', ')}`,
    },
  ]);
}

function tushareLimits(account: TushareLimitSettings | undefined): AccountLimits {
  const tier = tierLimits(account?.tier);
  const { perDay: defaultPerDay, ...base } = DEFAULT_LIMITS.tushare;
  const overrides = account?.limits;
  // A tier without a daily cap removes the default one; an override sets it either way.
  const perDay = overrides?.perDay ?? (tier === undefined ? defaultPerDay : tier.perDay);
  const maxConcurrent = overrides?.maxConcurrent;
  const accountPerMinute = overrides?.accountPerMinute;
  return {
    ...base,
    windows: withWindow(base.windows, MINUTE, overrides?.perMinute ?? tier?.perMinute),
    perInterface: true,
    ...(accountPerMinute === undefined
      ? {}
      : { accountWindows: [{ limit: accountPerMinute, windowMs: MINUTE }] }),
    ...(perDay === undefined ? {} : { perDay }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
  };
}

function ndlLimits(account: NdlLimitSettings | undefined): AccountLimits {
  const base: AccountLimits =
    account?.premium === true ? { ...DEFAULT_LIMITS.ndl, ...NDL_PREMIUM } : DEFAULT_LIMITS.ndl;
  const overrides = account?.limits;
  const windows = withWindow(
    withWindow(base.windows, TEN_SECONDS, overrides?.per10Seconds),
    TEN_MINUTES,
    overrides?.per10Minutes,
  );
  const perDay = overrides?.perDay;
  const maxConcurrent = overrides?.maxConcurrent;
  return {
    ...base,
    windows,
    ...(perDay === undefined ? {} : { perDay }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
  };
}

/**
 * The limits an account's requests run under: Tushare counts per interface, NDL per account.
 * `account` is the provider's account as configured (undefined or `{}`: the documented defaults).
 * @throws ConfigError for a Tushare tier whose limits are not documented
 */
export function accountLimits(
  provider: 'tushare' | 'ndl',
  account: TushareLimitSettings | NdlLimitSettings | undefined,
): AccountLimits {
  // Each provider reads only its own keys (a Tushare tier, an NDL premium flag).
  return provider === 'tushare' ? tushareLimits(account) : ndlLimits(account);
}
