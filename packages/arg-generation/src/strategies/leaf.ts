import type { DataSource, LeafArgStrategy, Scalar } from '@dsync/datasource';
import type { StoredCalendar } from '../context.js';
import { dateWindows, formatDate, type DateWindow } from '../dates.js';
import type { DateRange } from '../range.js';
import { periodsWithin } from './report-periods.js';

/** What one request of a strategy sets: its parameters and the days it covers. */
export interface Cell {
  readonly params: Readonly<Record<string, Scalar>>;
  readonly window?: DateWindow;
}

/** What a leaf strategy needs beyond its options, resolved before the first request. */
export interface LeafEnv {
  readonly source: DataSource;
  /** For `trade-calendar`. */
  readonly calendar?: StoredCalendar;
  /** For `date-window`: the window size, under the row cap. */
  readonly windowDays?: number;
}

/** Listed range of a fan-out key, intersected with the sync's range. */
export interface Span extends DateRange {
  /** The key's delisting day, for report periods (exclusive). */
  readonly until?: string;
  readonly from?: string;
}

/** Strategies that fetch a snapshot (no dates): keyed by the day they are taken as of. */
export const isSnapshot = (strategy: LeafArgStrategy): boolean =>
  strategy.kind === 'once' || strategy.kind === 'enumerate';

/**
 * The requests of a leaf strategy, lazily. `span` is the date range (undefined when there
 * is nothing to fetch); snapshot strategies ignore it.
 */
export function* leafCells(
  strategy: LeafArgStrategy,
  span: Span | undefined,
  env: LeafEnv,
): Generator<Cell> {
  const fmt = (iso: string) => formatDate(iso, env.source.dateFormat);
  switch (strategy.kind) {
    case 'once':
      yield { params: {} };
      return;
    case 'enumerate':
      for (const value of strategy.values) yield { params: { [strategy.param]: value } };
      return;
    case 'date-window':
      if (span === undefined) return;
      for (const window of dateWindows(span.start, span.end, env.windowDays ?? 1)) {
        yield {
          params: {
            [strategy.startParam]: fmt(window.start),
            [strategy.endParam]: fmt(window.end),
          },
          window,
        };
      }
      return;
    case 'trade-calendar':
      if (span === undefined) return;
      for (const day of env.calendar?.openDays(span.start, span.end) ?? []) {
        yield { params: { [strategy.param]: fmt(day) }, window: { start: day, end: day } };
      }
      return;
    case 'report-period':
      if (span === undefined) return;
      for (const period of periodsWithin(span.start, span.end, strategy.quarters, span)) {
        yield { params: { [strategy.param]: fmt(period) }, window: { start: period, end: period } };
      }
      return;
  }
}

/** How many requests `leafCells` would yield, without making them. */
export function leafCount(strategy: LeafArgStrategy, span: Span | undefined, env: LeafEnv): number {
  switch (strategy.kind) {
    case 'once':
      return 1;
    case 'enumerate':
      return strategy.values.length;
    case 'date-window': {
      if (span === undefined) return 0;
      const days = (Date.parse(span.end) - Date.parse(span.start)) / 86_400_000 + 1;
      return days <= 0 ? 0 : Math.ceil(days / (env.windowDays ?? 1));
    }
    case 'trade-calendar':
      return span === undefined ? 0 : (env.calendar?.openDays(span.start, span.end).length ?? 0);
    case 'report-period': {
      if (span === undefined) return 0;
      let n = 0;
      for (const _ of periodsWithin(span.start, span.end, strategy.quarters, span)) n++;
      return n;
    }
  }
}
