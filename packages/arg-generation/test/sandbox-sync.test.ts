import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { builtInCatalog, type DataSource, type RequestArgs } from '@dsync/datasource';
import { groundTruth, Market, startTushareSandbox, type TushareSandbox } from '@dsync/sandbox';
import {
  createMemoryContext,
  generateArgs,
  nextPage,
  type ArgContext,
  type KeyRow,
} from '../src/index.js';

/**
 * The args against the Tushare replica, end to end: the calendar and the stock list are
 * fetched through their own args, then every request of daily and income is made, page by
 * page. What comes back must be the ground truth's table, with no request wasted on a
 * closed day.
 */

jest.setTimeout(30_000);
const market = new Market({ seed: 'args', symbols: 30, start: '2023-01-01', end: '2024-03-29' });
const truth = groundTruth(market);
const UNTIL = '2024-03-29';
let sandbox: TushareSandbox;

beforeAll(async () => {
  sandbox = await startTushareSandbox({
    market,
    accounts: [{ token: 't', tier: { perMinute: 1e6, apis: 'all' } }],
  });
});
afterAll(() => sandbox.close());

const source = (id: string): DataSource => builtInCatalog().get(id) as DataSource;
const iso = (d: unknown) => String(d).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');

/** Makes one request and its continuations; returns every row and how many each page had. */
async function fetchAll(
  src: DataSource,
  first: RequestArgs,
): Promise<{ rows: Record<string, unknown>[]; pages: number[] }> {
  const rows: Record<string, unknown>[] = [];
  const pages: number[] = [];
  for (let args: RequestArgs | undefined = first; args !== undefined;) {
    const response = await fetch(sandbox.url, {
      method: 'POST',
      body: JSON.stringify({ api_name: args.api, token: 't', params: args.params }),
    });
    const answer = (await response.json()) as {
      code: number;
      data: { fields: string[]; items: unknown[][] };
    };
    expect(answer.code).toBe(0);
    rows.push(
      ...answer.data.items.map((item) =>
        Object.fromEntries(answer.data.fields.map((f, i) => [f, item[i]])),
      ),
    );
    pages.push(answer.data.items.length);
    args = nextPage(src, args, { rows: answer.data.items.length });
  }
  return { rows, pages };
}

async function sync(src: DataSource, context: ArgContext, options = {}) {
  const rows: Record<string, unknown>[] = [];
  const pages: number[] = [];
  for await (const args of generateArgs(src, context, { until: UNTIL, ...options })) {
    const result = await fetchAll(src, args);
    rows.push(...result.rows);
    pages.push(...result.pages);
  }
  return { rows, pages };
}

const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

async function storedContext(): Promise<ArgContext> {
  const empty = createMemoryContext({});
  const calendar = await sync(source('tushare.trade_cal'), empty, { since: '2022-12-01' });
  const stocks = await sync(source('tushare.stock_basic'), empty);
  const openDays = calendar.rows.filter((d) => d['is_open'] === 1).map((d) => iso(d['cal_date']));
  const keys: KeyRow[] = stocks.rows.map((s) => ({
    key: String(s['ts_code']),
    from: iso(s['list_date']),
    ...(s['delist_date'] === null ? {} : { until: iso(s['delist_date']) }),
  }));
  return createMemoryContext({
    calendars: { 'tushare.trade_cal:SSE': { first: '2022-12-01', last: UNTIL, openDays } },
    keys: { 'tushare.stock_basic': keys },
  });
}

describe('args against the Tushare replica', () => {
  it('fetch the whole daily table, one request per open day, none empty', async () => {
    const context = await storedContext();
    const { rows, pages } = await sync(source('tushare.daily'), context, { since: '2023-01-01' });
    const expected = [...truth.tushare('daily', { start_date: '20230101', end_date: '20240329' })];
    expect(expected.length).toBeGreaterThan(5000);
    expect(sorted(rows)).toEqual(sorted(expected));
    expect(pages.filter((n) => n === 0)).toEqual([]);
  });

  it('fetch every statement of the periods ended in the range, announced so far', async () => {
    const context = await storedContext();
    const { rows } = await sync(source('tushare.income'), context, { since: '2023-01-01' });
    // Every report type the source asks for (the replica has types 1, 2 and 6).
    const types = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const expected = market.stocks
      .flatMap((s) =>
        types.flatMap((t) => [...truth.tushare('income', { ts_code: s.ts_code, report_type: t })]),
      )
      .filter((r) => iso(r['end_date']) >= '2023-01-01');
    expect(new Set(expected.map((r) => r['report_type']))).toEqual(new Set(['1', '2', '6']));
    expect(expected.length).toBeGreaterThan(30);
    expect(sorted(rows)).toEqual(sorted(expected));
  });
});
