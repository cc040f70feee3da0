import { dayNumber } from '../market/dates.js';
import type { Market } from '../market/market.js';
import { seedOf, unit } from '../market/random.js';
import { FINAL, timelineOf } from './timeline.js';

/**
 * Revised rows: about 3% of the (instrument, day) rows of `tushare.daily`,
 * `tushare.adj_factor` and `ndl.SHARADAR.SEP` are first served with a preliminary value
 * and replaced by their final value (today's deterministic one) at an instant drawn
 * uniformly after the day's publication and at the latest a minute before it settles.
 * The per-row check is one hash; instants are drawn only for the revised rows.
 */

export const REVISED_SOURCES: readonly string[] = [
  'tushare.daily',
  'tushare.adj_factor',
  'ndl.SHARADAR.SEP',
];

/** The share of rows revised. */
export const REVISION_SHARE = 0.03;

/** The latest a revision comes: this long before the day settles. */
const BEFORE_SETTLE_MS = 60_000;

export class Revisions {
  readonly #market: Market;
  readonly #sourceId: string;
  // Numeric salts: the per-row hash then mixes numbers only.
  readonly #whether: number;
  readonly #when: number;
  readonly #how: number;

  constructor(market: Market, sourceId: string) {
    this.#market = market;
    this.#sourceId = sourceId;
    this.#whether = seedOf(`revised?\u0000${sourceId}`);
    this.#when = seedOf(`revised-at\u0000${sourceId}`);
    this.#how = seedOf(`preliminary\u0000${sourceId}`);
  }

  /** Whether an instrument's row of a day is revised (`index`: the stock's index). */
  revised(index: number, iso: string): boolean {
    return unit(this.#market.seed, this.#whether, index, dayNumber(iso)) < REVISION_SHARE;
  }

  /**
   * When a revised row takes its final value: whole seconds in (publishedAt, settledAt − 1 min],
   * uniformly.
   */
  revisedAt(index: number, iso: string): number {
    const timeline = timelineOf(this.#market);
    const published = timeline.publishedAt(this.#sourceId, iso);
    const last = timeline.settledAt(this.#sourceId, iso) - BEFORE_SETTLE_MS;
    const steps = Math.floor((last - published) / 1000);
    if (steps < 1) return last;
    const u = unit(this.#market.seed, this.#when, index, dayNumber(iso));
    return published + 1000 * (1 + Math.floor(u * steps));
  }

  /** A drawn number in [0, 1) for the preliminary value of a revised row. */
  draw(index: number, iso: string): number {
    return unit(this.#market.seed, this.#how, index, dayNumber(iso));
  }

  /**
   * Whether a row is served preliminary at `asOf`. Settled days (all of a market in the
   * past) cost one date comparison, a day not settled one hash per row.
   */
  preliminaryAt(asOf: number): (index: number, iso: string) => boolean {
    if (asOf === FINAL) return () => false;
    const gate = timelineOf(this.#market).gate(this.#sourceId, asOf);
    let lastDay = '';
    let lastSettled = true;
    return (index, iso) => {
      if (iso !== lastDay) {
        lastDay = iso;
        lastSettled = gate.settled(iso);
      }
      return !lastSettled && this.revised(index, iso) && this.revisedAt(index, iso) > asOf;
    };
  }
}

const cache = new WeakMap<Market, Map<string, Revisions>>();

/** The revisions of one source of a market (made once). */
export function revisionsFor(market: Market, sourceId: string): Revisions {
  let bySource = cache.get(market);
  if (bySource === undefined) cache.set(market, (bySource = new Map<string, Revisions>()));
  let revisions = bySource.get(sourceId);
  if (revisions === undefined)
    bySource.set(sourceId, (revisions = new Revisions(market, sourceId)));
  return revisions;
}
