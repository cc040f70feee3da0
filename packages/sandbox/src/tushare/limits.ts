import {
  DayQuota,
  RateWindow,
  takeFromAll,
  type CallWindow,
  type WindowMode,
} from '../http/rate-window.js';
import { limitsFor, type TushareTier } from './tiers.js';

export interface TushareLimitOptions {
  /** The length of Tushare's "minute"; shorten it so a test compresses a minute into a second. @default 60000 */
  readonly windowMs?: number;
  /** The length of the "hour". @default 3600000 */
  readonly hourMs?: number;
  /** @default "sliding" */
  readonly windowMode?: WindowMode;
  /** The time zone a quota day starts in. @default "Asia/Shanghai" */
  readonly timezone?: string;
}

/** Which limit a call hit. */
export type LimitHit = { readonly window: 'minute' | 'hour' | 'day'; readonly limit: number };

type Window = CallWindow & { readonly name: LimitHit['window'] };

/** The windows of every (token, interface) pair, made on first use. */
export class TushareLimits {
  readonly #options: Required<TushareLimitOptions>;
  readonly #windows = new Map<string, Window[]>();

  constructor(options: TushareLimitOptions = {}) {
    this.#options = {
      windowMs: options.windowMs ?? 60_000,
      hourMs: options.hourMs ?? 3_600_000,
      windowMode: options.windowMode ?? 'sliding',
      timezone: options.timezone ?? 'Asia/Shanghai',
    };
  }

  /**
   * Counts a call, or names the limit it hit. The day is checked first, then the hour,
   * then the minute, and a refused call counts in none of them.
   */
  take(account: string, tier: TushareTier, api: string, now: number): LimitHit | undefined {
    const key = `${account}\u0000${api}`;
    let windows = this.#windows.get(key);
    if (windows === undefined) {
      const limits = limitsFor(tier, api);
      const { windowMs, hourMs, windowMode, timezone } = this.#options;
      const named = (name: LimitHit['window'], window: CallWindow): Window =>
        Object.assign(window, { name });
      windows = [
        ...(limits.perDay === undefined
          ? []
          : [named('day', new DayQuota(limits.perDay, timezone))]),
        ...(limits.perHour === undefined
          ? []
          : [named('hour', new RateWindow(limits.perHour, hourMs, windowMode))]),
        named('minute', new RateWindow(limits.perMinute, windowMs, windowMode)),
      ];
      this.#windows.set(key, windows);
    }
    const full = takeFromAll(windows, now);
    return full === undefined ? undefined : { window: full.name, limit: full.limit };
  }
}
