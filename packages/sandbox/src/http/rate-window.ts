/**
 * Call counting for the replicas' limits. A short window (per minute, per 10 s) is
 * `sliding` by default: no span of `windowMs` holds more than `limit` calls, the strictest
 * reading of the providers' docs; `fixed` windows start at multiples of `windowMs`, the
 * most lenient. Which one the real services use is not documented, so both can be played.
 * Callers check every window with `hasRoom` before they `take` any, so a refused call
 * counts in none.
 */
import { zonedParts } from '@dsync/datasource';

export type WindowMode = 'sliding' | 'fixed';

export interface CallWindow {
  readonly limit: number;
  hasRoom(now: number): boolean;
  take(now: number): void;
}

/** Takes a call if the window has room; false when it is full. */
export function tryTake(window: CallWindow, now: number): boolean {
  if (!window.hasRoom(now)) return false;
  window.take(now);
  return true;
}

export class RateWindow implements CallWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly #mode: WindowMode;
  /** Sliding: the accepted calls' times, oldest first, from `#head` on. */
  #times: number[] = [];
  #head = 0;
  /** Fixed: the current window's start and count. */
  #windowStart = 0;
  #count = 0;

  constructor(limit: number, windowMs: number, mode: WindowMode = 'sliding') {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#mode = mode;
  }

  hasRoom(now: number): boolean {
    if (this.#mode === 'fixed') {
      const start = now - (now % this.windowMs);
      if (start !== this.#windowStart) {
        this.#windowStart = start;
        this.#count = 0;
      }
      return this.#count < this.limit;
    }
    while (
      this.#head < this.#times.length &&
      (this.#times[this.#head] as number) <= now - this.windowMs
    )
      this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head < this.limit;
  }

  take(now: number): void {
    if (this.#mode === 'fixed') this.#count++;
    else this.#times.push(now);
  }

  /** `hasRoom` and `take` in one. */
  tryTake(now: number): boolean {
    return tryTake(this, now);
  }
}

/** A per-day count that resets at midnight in a time zone (the providers' quota day). */
export class DayQuota implements CallWindow {
  readonly limit: number;
  readonly #timeZone: string;
  #day = '';
  #count = 0;

  constructor(limit: number, timeZone: string) {
    this.limit = limit;
    this.#timeZone = timeZone;
  }

  hasRoom(now: number): boolean {
    const day = zonedParts(now, this.#timeZone).date;
    if (day !== this.#day) {
      this.#day = day;
      this.#count = 0;
    }
    return this.#count < this.limit;
  }

  take(): void {
    this.#count++;
  }

  /** `hasRoom` and `take` in one. */
  tryTake(now: number): boolean {
    return tryTake(this, now);
  }
}

/**
 * Checks windows in order and takes a call from all of them, or returns the first one
 * without room (and takes from none).
 */
export function takeFromAll<W extends CallWindow>(
  windows: readonly W[],
  now: number,
): W | undefined {
  const full = windows.find((w) => !w.hasRoom(now));
  if (full !== undefined) return full;
  for (const w of windows) w.take(now);
  return undefined;
}
