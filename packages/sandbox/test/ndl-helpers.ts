import { builtInCatalog } from '@dsync/datasource';
import { expect } from '@jest/globals';
import {
  startNdlSandbox,
  type NdlRow,
  type NdlSandbox,
  type NdlSandboxOptions,
} from '../src/ndl/ndl-sandbox.js';
import { track } from './helpers.js';

/** Small enough to check row by row: 20 stocks (one delisted) over Q1 2024. */
export const MARKET = {
  seed: 'test',
  symbols: 20,
  start: '2024-01-01',
  end: '2024-03-31',
} as const;
export const SEP = 'datatables/SHARADAR/SEP';

// NDL's own wording, written out rather than imported so that a changed message fails.
export const BAD_PARAMS =
  'You have submitted incorrect query parameters. Please check your API call syntax and try again.';
export const BAD_CODE =
  'You have submitted an incorrect Quandl code. Please check your Quandl codes and try again.';

export interface TablePage {
  datatable: { data: NdlRow[]; columns: { name: string; type: string }[] };
  meta: { next_cursor_id: string | null };
}

/** An NDL sandbox on `MARKET` unless the options say otherwise, closed after the test. */
export const startNdl = (options: NdlSandboxOptions = {}): Promise<NdlSandbox> =>
  track(startNdlSandbox({ market: MARKET, ...options }));

export interface Reply {
  status: number;
  type: string | null;
  text: string;
}

/** Status, content type and body of one request, whatever the status. */
export async function fetchText(target: string, init?: RequestInit): Promise<Reply> {
  const response = await fetch(target, init);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  };
}

/** One call to `/api/v3/{path}`, with exactly the query given (no key unless it has one). */
export const call = (sb: NdlSandbox, path: string, query = '', init?: RequestInit) =>
  fetchText(`${sb.url}/api/v3/${path}?${query}`, init);

/** A GET with the sandbox's key; `query` adds `&name=value` pairs. */
export const get = (sb: NdlSandbox, path: string, query = '') =>
  call(sb, path, `api_key=${sb.apiKey}${query}`);

/** One page of a table, which must be served (the query is in the failure to say which). */
export async function page(sb: NdlSandbox, query = '', table = SEP): Promise<TablePage> {
  const reply = await get(sb, `${table}.json`, query);
  expect([query, reply.status]).toEqual([query, 200]);
  return JSON.parse(reply.text) as TablePage;
}

/** One page of a table asked for with a JSON body, the key in the client's header. */
export async function post(sb: NdlSandbox, body: unknown, table = SEP): Promise<TablePage> {
  const reply = await call(sb, `${table}.json`, '', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': sb.apiKey },
    body: JSON.stringify(body),
  });
  expect(reply.status).toBe(200);
  return JSON.parse(reply.text) as TablePage;
}

/**
 * The remote column names dsync's built-in catalog reads from a table or series: what the
 * replica must serve, known without reading the replica's own tables.
 */
export function catalogColumns(id: string): string[] {
  const entry = builtInCatalog().get(id);
  if (entry === undefined) throw new Error(`${id} is not in the built-in catalog`);
  return entry.fields.map((field) => field.from ?? field.name);
}

/** NDL serves US trading days only, so no row may fall on a Saturday or Sunday. */
export const isWeekend = (iso: string): boolean =>
  [0, 6].includes(new Date(`${iso}T00:00:00Z`).getUTCDay());
