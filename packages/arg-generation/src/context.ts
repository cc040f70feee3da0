import {
  sortedIndex,
  type ArgContext,
  type KeyRow,
  type StoredCalendar,
  type StoredCell,
} from '@dsync/datasource';

// The port lives with the other ports in @dsync/datasource; re-exported here, where it is used.
export type {
  ArgContext,
  CellFields,
  KeyRow,
  KeySource,
  StoredCalendar,
  StoredCell,
} from '@dsync/datasource';

/** A calendar over a sorted list of open days. */
export function calendarFromDays(
  first: string,
  last: string,
  openDays: readonly string[],
): StoredCalendar {
  const days = [...openDays].sort();
  return {
    first,
    last,
    openDays: (start, end) =>
      start > end
        ? []
        : days.slice(sortedIndex(days, start), sortedIndex(days, end, { after: true })),
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
