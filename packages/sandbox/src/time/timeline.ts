import {
  addMonths,
  builtInCatalog,
  zonedInstant,
  zonedParts,
  type Publication,
} from '@dsync/datasource';
import { isOpenDay, isUsOpenDay } from '../market/calendar.js';
import { addDays, DAY_MS, dayNumber, isoOfDay } from '../market/dates.js';
import type { Market } from '../market/market.js';
import { unit } from '../market/random.js';

/**
 * When the fake market's data appears and until when it may change, after the catalog's
 * `publication` of each source: a day D's data is published at an instant drawn from the
 * seed, the source and the day, uniformly within `[from, by]` local time on D + lagDays,
 * and settles as the catalog's `settle` says. Instants are memoised per (source, day).
 */

/** `asOf` of the final truth: everything published and revised. */
export const FINAL = Number.POSITIVE_INFINITY;

/** `ndl.SANDBOX.{CODE}`: the made-up series, published on `ndl.LBMA.GOLD`'s window. */
const SANDBOX_SERIES = /^ndl\.SANDBOX\.[A-Z0-9_]{1,64}$/;

const publications = new Map<string, Publication>();

/** A source's resolved publication, from the built-in catalog. */
export function publicationOf(sourceId: string): Publication {
  let publication = publications.get(sourceId);
  if (publication === undefined) {
    const id = SANDBOX_SERIES.test(sourceId) ? 'ndl.LBMA.GOLD' : sourceId;
    publication = builtInCatalog().get(id)?.publication;
    if (publication === undefined)
      throw new RangeError(
        `the catalog has no source "${sourceId}": give a catalog id such as "tushare.daily" or "ndl.SHARADAR.SEP"`,
      );
    publications.set(sourceId, publication);
  }
  return publication;
}

/** Calendar days after `by` on the publication day within which a day surely settles. */
function settleSpanDays(publication: Publication): number {
  const { settle } = publication;
  switch (settle.kind) {
    case 'none':
      return 0;
    case 'duration':
      return Math.ceil(settle.ms / DAY_MS);
    case 'trading-days':
      return 16 * settle.n; // the fake calendars never close for 16 days in a row
    case 'months':
      return 31 * settle.n + 1;
  }
}

/** Which of a source's days are served at one instant. */
export interface DayGate {
  /** Whether a day's data is out: its publication instant has passed. */
  published(iso: string): boolean;
  /** Whether a day can no longer change: its settle instant has passed. */
  settled(iso: string): boolean;
}

const OPEN: DayGate = { published: () => true, settled: () => true };

const CACHE_LIMIT = 200_000;

export class Timeline {
  readonly #market: Market;
  readonly #published = new Map<string, number>();
  readonly #settled = new Map<string, number>();

  constructor(market: Market) {
    this.#market = market;
  }

  /** When a source's data of a day (for statements: of an announcement date) appears, in ms. */
  publishedAt(sourceId: string, iso: string): number {
    const key = `${sourceId}\u0000${iso}`;
    let at = this.#published.get(key);
    if (at === undefined) {
      const p = publicationOf(sourceId);
      const day = addDays(iso, p.lagDays);
      const from = zonedInstant(day, p.from, p.timezone);
      const by = zonedInstant(day, p.by, p.timezone);
      const u = unit(this.#market.seed, 'published', sourceId, iso);
      at = from + Math.floor((u * (by - from)) / 1000) * 1000;
      if (this.#published.size > CACHE_LIMIT) this.#published.clear();
      this.#published.set(key, at);
    }
    return at;
  }

  /**
   * When a source's day settles: `none`, at its publication; a duration after `by`;
   * `by` of the n-th open day after (the provider's calendar); `by` n months later.
   */
  settledAt(sourceId: string, iso: string): number {
    const key = `${sourceId}\u0000${iso}`;
    let at = this.#settled.get(key);
    if (at === undefined) {
      const p = publicationOf(sourceId);
      const day = addDays(iso, p.lagDays);
      const { settle } = p;
      switch (settle.kind) {
        case 'none':
          at = this.publishedAt(sourceId, iso);
          break;
        case 'duration':
          at = zonedInstant(day, p.by, p.timezone) + settle.ms;
          break;
        case 'trading-days': {
          const isOpen = sourceId.startsWith('tushare.') ? isOpenDay : isUsOpenDay;
          let open = day;
          for (let seen = 0; seen < settle.n;) {
            open = addDays(open, 1);
            if (isOpen(open)) seen++;
          }
          at = zonedInstant(open, p.by, p.timezone);
          break;
        }
        case 'months':
          at = zonedInstant(addMonths(day, settle.n), p.by, p.timezone);
          break;
      }
      if (this.#settled.size > CACHE_LIMIT) this.#settled.clear();
      this.#settled.set(key, at);
    }
    return at;
  }

  /**
   * The days of a source served at `asOf`. Days well before or after the instant's local
   * date are decided by comparing dates; only the few around it draw their instants.
   */
  gate(sourceId: string, asOf: number): DayGate {
    if (asOf === FINAL) return OPEN;
    const p = publicationOf(sourceId);
    const today = dayNumber(zonedParts(asOf, p.timezone).date);
    const surelyPublished = isoOfDay(today - p.lagDays - 2);
    const surelyUnpublished = isoOfDay(today - p.lagDays + 2);
    const surelySettled = isoOfDay(today - p.lagDays - 2 - settleSpanDays(p));
    return {
      published: (iso) =>
        iso <= surelyPublished ||
        (iso < surelyUnpublished && this.publishedAt(sourceId, iso) <= asOf),
      settled: (iso) =>
        iso <= surelySettled || (iso < surelyUnpublished && this.settledAt(sourceId, iso) <= asOf),
    };
  }
}

const timelines = new WeakMap<Market, Timeline>();

/** One timeline per market, so its instants are drawn once. */
export function timelineOf(market: Market): Timeline {
  let timeline = timelines.get(market);
  if (timeline === undefined) timelines.set(market, (timeline = new Timeline(market)));
  return timeline;
}
