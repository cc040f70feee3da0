import type { KeySource } from '../schema/arg-strategy.js';

/**
 * What arg generation reads from local storage: the stored trade calendar, the keys of
 * another source's table, and (for gap audits) the cells a source has stored.
 *
 * @remarks
 * Storage adapters implement it over their tables; `@dsync/arg-generation`'s
 * `createMemoryContext` implements it over arrays. Dates are ISO (`YYYY-MM-DD`).
 */
export interface ArgContext {
  /** The stored calendar of an exchange, or undefined when nothing is stored for it. */
  tradeCalendar(calendarSource: string, exchange: string): Promise<StoredCalendar | undefined>;
  /**
   * The stored keys of a fan-out, in a stable order (by key), each with its listed range;
   * undefined when the key source has nothing stored.
   */
  keyRows(keys: KeySource): Promise<AsyncIterable<KeyRow> | undefined>;
  /** The (date, key) cells a source has stored within a range, sorted by date then key. */
  storedCells(
    sourceId: string,
    fields: CellFields,
    range: { start: string; end: string },
  ): AsyncIterable<StoredCell>;
}

/** One fan-out key and the dates it was listed (open-ended when absent). */
export interface KeyRow {
  readonly key: string;
  /** First listed day. */
  readonly from?: string;
  /** The delisting day: the key has no data on or after it. */
  readonly until?: string;
}

/** A stored calendar: which days are open, and which span it covers. */
export interface StoredCalendar {
  /** First and last day the stored calendar covers. */
  readonly first: string;
  readonly last: string;
  /** Open days within `[start, end]`, oldest first. */
  openDays(start: string, end: string): readonly string[];
}

/** Which stored fields make a cell: the date, and the key when the grid has one. */
export interface CellFields {
  readonly dateField: string;
  readonly keyField?: string;
}

export interface StoredCell {
  readonly date: string;
  readonly key?: string;
}
