import {
  PROVIDER_PROFILES,
  type CheckpointStore,
  type Clock,
  type DataSource,
  type Provider,
} from '@dsync/datasource';
import { DEFAULT_LIMITS, type AccountConfig } from '../controller/accounts.js';
import { AccountLimiter, type AccountLimits, type RateWindow } from './account-limiter.js';
import type { RedisLimits } from './redis-cluster.js';

export interface LimitersOptions {
  /** Every source the limiters may serve: their overrides narrow their scopes' limits. */
  readonly sources: readonly DataSource[];
  readonly accounts?: Partial<Record<Provider, AccountConfig>>;
  readonly checkpoints: CheckpointStore;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Limits shared through Redis with every other process. @default this process only */
  readonly shared?: RedisLimits;
  /** With `shared`: how long one call may hold its share (see `AccountLimiterOptions`). */
  readonly jobExpirationMs?: number;
}

/**
 * Where the Sync Controller and the fetch workers get their limiters: one per provider's
 * account, whose lanes each hold one scope (account × interface for Tushare, the account for
 * NDL) at the account's limits narrowed by the overrides of every source counting in that
 * scope. Built from all the sources at once, a scope's limits do not depend on which source
 * asked first.
 */
export class Limiters {
  readonly #options: LimitersOptions;
  readonly #limiters = new Map<Provider, AccountLimiter>();
  readonly #scopes = new Map<string, AccountLimits>();

  constructor(options: LimitersOptions) {
    this.#options = options;
  }

  /** How the provider's account shows in the ledger, scopes and logs. */
  label(provider: Provider): string {
    return this.#options.accounts?.[provider]?.label ?? 'default';
  }

  /** The account's limits, before any source's override. */
  accountLimits(provider: Provider): AccountLimits {
    return this.#options.accounts?.[provider]?.limits ?? DEFAULT_LIMITS[provider];
  }

  /** The scope a source's calls count in: `provider:label`, with `:api` when limits count per interface. */
  scopeOf(source: DataSource): string {
    return this.#scopeOf(source.provider, source.api);
  }

  /** The limits of a source's scope, every override in it applied. */
  limitsOf(source: DataSource): AccountLimits {
    return this.#limitsOf(source.provider, source.api);
  }

  /** The account's limiter, made on first use. */
  limiterOf(provider: Provider): AccountLimiter {
    let limiter = this.#limiters.get(provider);
    if (limiter === undefined) {
      const { checkpoints, clock, shared, jobExpirationMs } = this.#options;
      limiter = new AccountLimiter({
        account: `${provider}:${this.label(provider)}`,
        limits: this.accountLimits(provider),
        limitsOf: (api) => this.#limitsOf(provider, api),
        checkpoints,
        timezone: PROVIDER_PROFILES[provider].timezone,
        ...(clock === undefined ? {} : { now: clock }),
        ...(shared === undefined ? {} : { shared }),
        ...(jobExpirationMs === undefined ? {} : { jobExpirationMs }),
      });
      this.#limiters.set(provider, limiter);
    }
    return limiter;
  }

  /** The limiter of a provider when one is running: its live counts. */
  running(provider: Provider): AccountLimiter | undefined {
    return this.#limiters.get(provider);
  }

  /** Stops every limiter (saving the day's counts); the next use makes new ones. */
  async stop(): Promise<void> {
    const limiters = [...this.#limiters.values()];
    this.#limiters.clear();
    await Promise.all(limiters.map((l) => l.stop()));
  }

  #scopeOf(provider: Provider, api: string): string {
    const account = `${provider}:${this.label(provider)}`;
    return this.accountLimits(provider).perInterface === true ? `${account}:${api}` : account;
  }

  #limitsOf(provider: Provider, api: string): AccountLimits {
    const scope = this.#scopeOf(provider, api);
    let limits = this.#scopes.get(scope);
    if (limits === undefined) {
      const inScope = this.#options.sources.filter(
        (s) => s.provider === provider && this.#scopeOf(provider, s.api) === scope,
      );
      limits = scopeLimits(this.accountLimits(provider), inScope);
      this.#scopes.set(scope, limits);
    }
    return limits;
  }
}

/**
 * A scope's limits: the account's, with each source's `perMinute` as a window of its own, the
 * lowest `perDay`, and the lowest `maxConcurrent` a source sets (the account's when none does).
 */
export function scopeLimits(account: AccountLimits, sources: readonly DataSource[]): AccountLimits {
  const overrides = sources.flatMap((s) => (s.limits === undefined ? [] : [s.limits]));
  if (overrides.length === 0) return account;
  const perMinute = [...new Set(overrides.flatMap((o) => o.perMinute ?? []))];
  const windows: RateWindow[] = [
    ...account.windows,
    ...perMinute.map((limit) => ({ limit, windowMs: 60_000 })),
  ];
  const perDay = Math.min(
    account.perDay ?? Infinity,
    ...overrides.map((o) => o.perDay ?? Infinity),
  );
  const concurrency = overrides.flatMap((o) => o.maxConcurrent ?? []);
  return {
    ...account,
    windows,
    ...(Number.isFinite(perDay) ? { perDay } : {}),
    ...(concurrency.length === 0 ? {} : { maxConcurrent: Math.min(...concurrency) }),
  };
}
