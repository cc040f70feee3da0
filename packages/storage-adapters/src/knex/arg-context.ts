import {
  sortedIndex,
  type ArgContext,
  type DataSource,
  type KeyRow,
  type KeySource,
  type StoredCalendar,
  type StoredCell,
} from '@dsync/datasource';
import type { Knex } from 'knex';

/**
 * `ArgContext` over stored tables: the calendar from a Tushare-shaped calendar source
 * (`exchange`, `cal_date`, `is_open`), fan-out keys from any source's table, and stored
 * cells for audits. Dates are compared as ISO text, which every dialect's date column and
 * SQLite's text agree on.
 */

const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);

interface CalendarRow {
  exchange: string;
  cal_date: unknown;
  is_open: unknown;
}

async function hasRows(knex: Knex, table: string): Promise<boolean> {
  return (await knex.schema.hasTable(table)) && (await knex(table).first()) !== undefined;
}

export function knexArgContext(
  knex: Knex,
  sourceOf: (id: string) => DataSource | undefined,
): ArgContext {
  const tableOf = (id: string) => sourceOf(id)?.storage.table;
  return {
    async tradeCalendar(
      calendarSource: string,
      exchange: string,
    ): Promise<StoredCalendar | undefined> {
      const table = tableOf(calendarSource);
      if (table === undefined || !(await hasRows(knex, table))) return undefined;
      const rows = await knex<CalendarRow>(table)
        .where('exchange', exchange)
        .orderBy('cal_date')
        .select('cal_date', 'is_open');
      if (rows.length === 0) return undefined;
      const open = rows.filter((r) => Number(r.is_open) === 1).map((r) => iso(r.cal_date));
      const first = iso(rows[0]?.cal_date);
      const last = iso(rows.at(-1)?.cal_date);
      return {
        first,
        last,
        openDays: (start, end) =>
          start > end
            ? []
            : open.slice(sortedIndex(open, start), sortedIndex(open, end, { after: true })),
      };
    },

    async keyRows(keys: KeySource): Promise<AsyncIterable<KeyRow> | undefined> {
      const table = tableOf(keys.source);
      if (table === undefined || !(await hasRows(knex, table))) return undefined;
      const columns = [keys.field, keys.listedFrom, keys.listedUntil].filter(
        (c): c is string => c !== undefined,
      );
      let query = knex(table).distinct(columns).orderBy(keys.field);
      for (const [field, values] of Object.entries(keys.where ?? {}))
        query = query.whereIn(field, values);
      const rows = (await query) as Record<string, unknown>[];
      const out: KeyRow[] = rows.map((row) => ({
        key: String(row[keys.field] as string),
        ...(keys.listedFrom === undefined || row[keys.listedFrom] == null
          ? {}
          : { from: iso(row[keys.listedFrom]) }),
        ...(keys.listedUntil === undefined || row[keys.listedUntil] == null
          ? {}
          : { until: iso(row[keys.listedUntil]) }),
      }));
      return (async function* () {
        for (const row of out) yield await Promise.resolve(row);
      })();
    },

    storedCells(sourceId, fields, range): AsyncIterable<StoredCell> {
      const table = tableOf(sourceId);
      return (async function* () {
        if (table === undefined || !(await knex.schema.hasTable(table))) return;
        const columns =
          fields.keyField === undefined ? [fields.dateField] : [fields.dateField, fields.keyField];
        // A month at a time: bounded memory on any dialect, without relying on driver streams.
        for (
          let month = range.start.slice(0, 7);
          month <= range.end.slice(0, 7);
          month = nextMonth(month)
        ) {
          const from = month === range.start.slice(0, 7) ? range.start : `${month}-01`;
          let query = knex(table).distinct(columns).where(fields.dateField, '>=', from);
          // `<` the next month's first day: PostgreSQL rejects a date such as Feb 31.
          query =
            month === range.end.slice(0, 7)
              ? query.where(fields.dateField, '<=', range.end)
              : query.where(fields.dateField, '<', `${nextMonth(month)}-01`);
          const rows = (await query.orderBy(columns)) as Record<string, unknown>[];
          for (const row of rows) {
            yield fields.keyField === undefined
              ? { date: iso(row[fields.dateField]) }
              : { date: iso(row[fields.dateField]), key: String(row[fields.keyField]) };
          }
        }
      })();
    },
  };
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
