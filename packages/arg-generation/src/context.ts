import type { KeySource } from '@dsync/datasource';

/**
 * What arg generation reads from local storage: the stored trade calendar and the keys of
 * another source's table. Storage adapters implement it over their tables;
 * `createMemoryContext` implements it over arrays, for tests and small tools.
 */
export interface ArgContext {
  /** The stored calendar of an exchange, or undefined when nothing is stored for it. */
  tradeCalendar(calendarSource: string, exchange: string): Promise<StoredCalendar | undefined>;
  /**
   * The stored keys of a fan-out, in a stable order, each with its listed range; undefined
   * when the key source has nothing stored.
   */
  keyRows(keys: KeySource): Promise<AsyncIterable<KeyRow> | undefined>;
  /**
   * For gap audits: the (date, key) cells a source has stored within a range, sorted by
   * date then key (dates ISO; `key` absent when the grid has no key axis).
   */
  storedCells(
    sourceId: string,
    fields: CellFields,
    range: { start: string; end: string },
  ): AsyncIterable<StoredCell>;
}

export type { KeySource };

/** Which stored fields make a cell: the date, and the key when the grid has one. */
export interface CellFields {
  readonly dateField: string;
  readonly keyField?: string;
}

export interface StoredCell {
  readonly date: string;
  readonly key?: string;
}

/** One fan-out key and the dates it was listed (ISO; open-ended when absent). */
export interface KeyRow {
  readonly key: string;
  /** First listed day. */
  readonly from?: string;
  /** The delisting day: the key has no data on or after it. */
  readonly until?: string;
}

/** A stored calendar: which days are open, and which span it covers. */
export interface StoredCalendar {
  /** First and last day the stored calendar covers, ISO. */
  readonly first: string;
  readonly last: string;
  /** Open days within `[start, end]`, oldest first. */
  openDays(start: string, end: string): readonly string[];
}

/** A calendar over a sorted list of open days. */
export function calendarFromDays(
  first: string,
  last: string,
  openDays: readonly string[],
): StoredCalendar {
  const days = [...openDays].sort();
  const lowerBound = (iso: string) => {
    let lo = 0;
    let hi = days.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((days[mid] as string) < iso) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    first,
    last,
    openDays: (start, end) =>
      start > end ? [] : days.slice(lowerBound(start), lowerBound(end + '\uffff')),
  };
}

export interface MemoryContextData {
  /** Per `"{calendarSource}:{exchange}"`: the span and its open days. */
  readonly calendars?: Readonly<
    Record<string, { first: string; last: string; openDays: readonly string[] }>
  >;
  /** Per key source id: its rows. */
  readonly keys?: Readonly<Record<string, readonly KeyRow[]>>;
  /** Per source id: the cells it has stored. */
  readonly cells?: Readonly<Record<string, readonly StoredCell[]>>;
}

/** An array as an async iterable, one item per `next()`. */
function toAsync<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < items.length
              ? { value: items[i++] as T, done: false }
              : { value: undefined, done: true as const },
          ),
      };
    },
  };
}

/** An `ArgContext` over arrays. Keys are yielded sorted by key, as a storage adapter's ORDER BY would. */
export function createMemoryContext(data: MemoryContextData): ArgContext {
  const calendars = new Map(
    Object.entries(data.calendars ?? {}).map(([id, c]) => [
      id,
      calendarFromDays(c.first, c.last, c.openDays),
    ]),
  );
  return {
    tradeCalendar: (source, exchange) => Promise.resolve(calendars.get(`${source}:${exchange}`)),
    keyRows(keys) {
      const rows = data.keys?.[keys.source];
      if (rows === undefined || rows.length === 0) return Promise.resolve(undefined);
      const sorted = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return Promise.resolve(toAsync(sorted));
    },
    storedCells(sourceId, _fields, range) {
      const within = (data.cells?.[sourceId] ?? []).filter(
        (c) => c.date >= range.start && c.date <= range.end,
      );
      const order = (c: StoredCell) => `${c.date}\u0000${c.key ?? ''}`;
      return toAsync(
        [...within].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)),
      );
    },
  };
}
