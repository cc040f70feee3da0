import type { SyncEvents } from '@dsync/synchronizer';
import type { RateSeries as RateSeriesView } from '../api/contract.js';

type Point = RateSeriesView['points'][number];

/**
 * Requests and rows per second over the last `seconds`, for the charts: a ring of one slot
 * per second, so memory stays fixed however long the server runs.
 */
export class RateSeries {
  readonly #seconds: number;
  readonly #now: () => number;
  readonly #stamps: Float64Array;
  readonly #requests: Float64Array;
  readonly #rows: Float64Array;
  /** The first second anything was counted: the series starts there, not minutes of zeros before. */
  #first: number | undefined;

  constructor(seconds = 300, now: () => number = Date.now) {
    this.#seconds = seconds;
    this.#now = now;
    this.#stamps = new Float64Array(seconds).fill(-1);
    this.#requests = new Float64Array(seconds);
    this.#rows = new Float64Array(seconds);
  }

  /** Counts each call (a task started) and each row delivered. Returns the unsubscribe. */
  follow(events: SyncEvents): () => void {
    return events.on((event) => {
      if (event.type === 'task-started') this.add(1, 0);
      else if (event.type === 'rows-delivered') this.add(0, event.rows);
    });
  }

  add(requests: number, rows: number): void {
    const second = Math.floor(this.#now() / 1000);
    const slot = this.#slot(second);
    this.#requests[slot] = (this.#requests[slot] ?? 0) + requests;
    this.#rows[slot] = (this.#rows[slot] ?? 0) + rows;
    this.#first ??= second;
  }

  /** Every second from the first counted one (at most `seconds` ago) to now, zeros included. */
  points(): Point[] {
    if (this.#first === undefined) return [];
    const now = Math.floor(this.#now() / 1000);
    const points: Point[] = [];
    for (let s = Math.max(this.#first, now - this.#seconds + 1); s <= now; s++) {
      const slot = s % this.#seconds;
      const current = this.#stamps[slot] === s;
      points.push({
        t: s * 1000,
        requests: current ? (this.#requests[slot] ?? 0) : 0,
        rows: current ? (this.#rows[slot] ?? 0) : 0,
      });
    }
    return points;
  }

  /** The slot of a second, emptied first when it still holds an older second. */
  #slot(second: number): number {
    const slot = second % this.#seconds;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#requests[slot] = 0;
      this.#rows[slot] = 0;
    }
    return slot;
  }
}
