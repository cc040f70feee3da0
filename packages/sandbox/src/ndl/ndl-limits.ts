import { DayQuota, RateWindow, type CallWindow, type WindowMode } from '../http/rate-window.js';
import {
  anonymousDaily,
  anonymousTenMinutes,
  NDL_ERRORS,
  type NdlErrorSpec,
} from './ndl-errors.js';

/**
 * NDL's call limits (provider-protocols.md §7), per key, plus one pool shared by every
 * anonymous caller. A call is counted only when every window has room: a throttled call
 * costs nothing.
 */

export interface NdlLimits {
  /** Calls per short window, registered keys. @default 300 */
  readonly per10s?: number;
  /** Calls per long window, free keys. @default 2000 */
  readonly per10min?: number;
  /** Calls per day, free keys. @default 50000 */
  readonly perDay?: number;
  /** Calls per long window, premium keys. @default 5000 */
  readonly premiumPer10min?: number;
  /** Calls per day, premium keys. @default 720000 */
  readonly premiumPerDay?: number;
  /** Calls per long window, all anonymous callers together. @default 20 */
  readonly anonymousPer10min?: number;
  /** Calls per day, all anonymous callers together. @default 50 */
  readonly anonymousPerDay?: number;
  /** The short window's length in ms, shortened in tests. @default 10000 */
  readonly shortWindowMs?: number;
  /** The long window's length in ms. @default 600000 */
  readonly longWindowMs?: number;
  /** @default "sliding" */
  readonly windowMode?: WindowMode;
  /** Where the quota day starts and ends. @default "America/New_York" */
  readonly timezone?: string;
}

export type NdlTier = 'free' | 'premium';

type Budget = readonly { readonly counter: CallWindow; readonly error: NdlErrorSpec }[];

export class NdlLimiter {
  readonly #limits: NdlLimits;
  readonly #byKey = new Map<string, Budget>();
  readonly #anonymous: Budget;

  constructor(limits: NdlLimits = {}) {
    for (const [name, value] of Object.entries(limits)) {
      if (typeof value === 'number' && !(Number.isInteger(value) && value >= 0)) {
        throw new RangeError(`limits.${name}: expected a whole number ≥ 0, got ${value}`);
      }
    }
    if (limits.shortWindowMs === 0 || limits.longWindowMs === 0) {
      throw new RangeError('limits: a window must last at least 1 ms');
    }
    this.#limits = limits;
    const perLong = limits.anonymousPer10min ?? 20;
    const perDay = limits.anonymousPerDay ?? 50;
    // The docs give anonymous callers no short-window limit.
    this.#anonymous = [
      { counter: this.#long(perLong), error: anonymousTenMinutes(perLong) },
      { counter: this.#day(perDay), error: anonymousDaily(perDay) },
    ];
  }

  #long(limit: number): RateWindow {
    return new RateWindow(
      limit,
      this.#limits.longWindowMs ?? 600_000,
      this.#limits.windowMode ?? 'sliding',
    );
  }

  #day(limit: number): DayQuota {
    return new DayQuota(limit, this.#limits.timezone ?? 'America/New_York');
  }

  #budgetOf(key: string, tier: NdlTier): Budget {
    let budget = this.#byKey.get(key);
    if (budget !== undefined) return budget;
    const l = this.#limits;
    const premium = tier === 'premium';
    const tenMinutes = premium ? NDL_ERRORS.subscriberTenMinutes : NDL_ERRORS.registeredTenMinutes;
    // Guess: the 10-second limit is documented for free keys only; premium keys get it too,
    // and its answer is the 10-minute code, the nearest documented one.
    budget = [
      {
        counter: new RateWindow(
          l.per10s ?? 300,
          l.shortWindowMs ?? 10_000,
          l.windowMode ?? 'sliding',
        ),
        error: tenMinutes,
      },
      {
        counter: this.#long(premium ? (l.premiumPer10min ?? 5_000) : (l.per10min ?? 2_000)),
        error: tenMinutes,
      },
      {
        counter: this.#day(premium ? (l.premiumPerDay ?? 720_000) : (l.perDay ?? 50_000)),
        error: premium ? NDL_ERRORS.subscriberDaily : NDL_ERRORS.registeredDaily,
      },
    ];
    this.#byKey.set(key, budget);
    return budget;
  }

  /** Charges a call to a key (or the anonymous pool); the error of the first full window, if one is. */
  charge(
    caller: { readonly key: string; readonly tier: NdlTier } | undefined,
    now: number,
  ): NdlErrorSpec | undefined {
    const budget = caller === undefined ? this.#anonymous : this.#budgetOf(caller.key, caller.tier);
    const full = budget.find(({ counter }) => !counter.hasRoom(now));
    if (full !== undefined) return full.error;
    for (const { counter } of budget) counter.take(now);
    return undefined;
  }
}
