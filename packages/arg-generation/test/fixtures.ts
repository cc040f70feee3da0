import {
  builtInCatalog,
  CATALOG_DEFINITIONS,
  defineDataSource,
  type DataSource,
  type DataSourceInput,
} from '@dsync/datasource';
import type { RequestArgs } from '@dsync/datasource';
import { createMemoryContext, type KeyRow, type MemoryContextData } from '../src/index.js';

/** A catalog source by id. */
export function catalog(id: string): DataSource {
  const source = builtInCatalog().get(id);
  if (source === undefined) throw new Error(`no ${id} in the catalog`);
  return source;
}

/** A catalog source with some definition keys replaced. */
export function variant(id: string, overrides: Partial<DataSourceInput>): DataSource {
  const input = CATALOG_DEFINITIONS.find((d) => d.id === id);
  if (input === undefined) throw new Error(`no ${id} in the catalog`);
  return defineDataSource({ ...input, ...overrides });
}

/** January 2024 of the fixed test calendar: New Year's Day and weekends closed. */
export const JANUARY_OPEN = [
  '2024-01-02',
  '2024-01-03',
  '2024-01-04',
  '2024-01-05',
  '2024-01-08',
  '2024-01-09',
  '2024-01-10',
  '2024-01-11',
  '2024-01-12',
];

export const STOCKS: KeyRow[] = [
  { key: '600000.SH', from: '2020-05-01' },
  { key: '000001.SZ', from: '2019-01-01', until: '2023-06-01' },
  { key: '300999.SZ', from: '2024-01-09' },
];

export function context(extra: Partial<MemoryContextData> = {}) {
  return createMemoryContext({
    calendars: {
      'tushare.trade_cal:SSE': { first: '2023-12-01', last: '2024-01-12', openDays: JANUARY_OPEN },
    },
    keys: { 'tushare.stock_basic': STOCKS },
    ...extra,
  });
}

export async function collect(stream: AsyncIterable<RequestArgs>): Promise<RequestArgs[]> {
  const out: RequestArgs[] = [];
  for await (const args of stream) out.push(args);
  return out;
}

export const keys = (args: readonly RequestArgs[]) => args.map((a) => a.key);
