import { describe, expect, it } from '@jest/globals';
import { NdlError, ndlTableRows, type NdlRow, type NdlSandbox } from '../src/ndl/ndl-sandbox.js';
import {
  BAD_CODE,
  BAD_PARAMS,
  call,
  get,
  page,
  post,
  SEP,
  startNdl,
  type TablePage,
} from './ndl-helpers.js';

async function errorOf(sb: NdlSandbox, query: string, table = SEP) {
  const reply = await get(sb, `${table}.json`, query);
  return [reply.status, JSON.parse(reply.text) as unknown];
}

describe('NDL table queries: filters, columns, cursors, POST', () => {
  it('pages with qopts.per_page and cursors, every row exactly once', async () => {
    const sb = await startNdl();
    const query = '&date.lte=2024-01-12&qopts.per_page=7';
    const seen: NdlRow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: TablePage = await page(
        sb,
        cursor === null ? query : `${query}&qopts.cursor_id=${cursor}`,
      );
      expect(body.datatable.data.length).toBeLessThanOrEqual(7);
      seen.push(...body.datatable.data);
      cursor = body.meta.next_cursor_id;
      pages++;
    } while (cursor !== null);
    // 9 open days of 19 stocks: 171 rows, 25 pages.
    expect([seen.length, pages]).toEqual([171, 25]);
    expect(new Set(seen.map((r) => `${r[0]} ${r[1]}`)).size).toBe(171);
    expect(seen).toEqual(ndlTableRows(sb.market, 'SHARADAR', 'SEP', { 'date.lte': '2024-01-12' }));
  });

  it('answers a POST body as it answers the same GET', async () => {
    const sb = await startNdl();
    const query =
      '&ticker=BAA,BAB&date.gte=2024-02-01&date.lte=2024-02-10&qopts.columns=ticker,date,close&qopts.per_page=5';
    const got = await page(sb, query);
    const posted = await post(sb, {
      ticker: ['BAA', 'BAB'],
      date: { gte: '2024-02-01', lte: '2024-02-10' },
      qopts: { columns: ['ticker', 'date', 'close'], per_page: 5 },
    });
    expect(posted).toEqual(got);
    const cursor = got.meta.next_cursor_id as string;
    const flat = await post(sb, {
      ticker: 'BAA,BAB',
      'date.gte': '2024-02-01',
      'date.lte': '2024-02-10',
      'qopts.columns': 'ticker,date,close',
      'qopts.per_page': 5,
      'qopts.cursor_id': cursor,
      api_key: sb.apiKey,
    });
    expect(flat).toEqual(await page(sb, `${query}&qopts.cursor_id=${cursor}`));
    // Seven open days of two stocks: pages of 5, 5 and 4.
    expect([got.datatable.data.length, flat.datatable.data.length]).toEqual([5, 5]);
    expect(flat.meta.next_cursor_id).not.toBeNull();
  });

  it('filters with =, comma lists, [] lists and gt/gte/lt/lte', async () => {
    const sb = await startNdl();
    const tickersOf = (rows: NdlRow[]) => [...new Set(rows.map((r) => r[0]))];
    const daysOf = (rows: NdlRow[]) => [...new Set(rows.map((r) => r[1]))];
    expect(
      daysOf((await page(sb, '&date.gt=2024-01-02&date.lt=2024-01-05')).datatable.data),
    ).toEqual(['2024-01-03', '2024-01-04']);
    expect(
      daysOf((await page(sb, '&date.gte=2024-01-03&date.lte=2024-01-04')).datatable.data),
    ).toEqual(['2024-01-03', '2024-01-04']);
    expect(tickersOf((await page(sb, '&ticker.gte=BAR')).datatable.data)).toEqual([
      'BAR',
      'BAS',
      'BAT',
    ]);
    expect(tickersOf((await page(sb, '&ticker.gt=BAR&ticker.lte=BAT')).datatable.data)).toEqual([
      'BAS',
      'BAT',
    ]);
    const pair = (await page(sb, '&ticker=BAC,BAA&date=2024-01-03')).datatable.data;
    expect(pair.map((r) => r.slice(0, 2))).toEqual([
      ['BAA', '2024-01-03'],
      ['BAC', '2024-01-03'],
    ]);
    expect((await page(sb, '&ticker[]=BAC&ticker[]=BAA&date=20240103')).datatable.data).toEqual(
      pair,
    );
    const updated = (await page(sb, '&lastupdated.gte=2024-03-20')).datatable.data;
    expect(updated).toEqual(
      ndlTableRows(sb.market, 'SHARADAR', 'SEP', { 'lastupdated.gte': '2024-03-20' }),
    );
    expect(updated.every((r) => (r[9] as string) >= '2024-03-20')).toBe(true);
    // Corrections: some rows dated earlier were updated later.
    expect(updated.some((r) => (r[1] as string) < '2024-03-20')).toBe(true);
    expect((await page(sb, '&ticker=ZZZ')).datatable.data).toEqual([]);
  });

  it('answers QECx02 for unknown tables and QESx03 for bad filters, columns and cursors', async () => {
    const sb = await startNdl();
    const notFound = { quandl_error: { code: 'QECx02', message: BAD_CODE } };
    expect(await errorOf(sb, '', 'datatables/SHARADAR/SF1')).toEqual([404, notFound]);
    expect(await errorOf(sb, '', 'datatables/NOPE/PRICES')).toEqual([404, notFound]);
    const other = (await page(sb, '&ticker=BAA&qopts.per_page=2')).meta.next_cursor_id as string;
    for (const query of [
      '&open=1',
      '&close.gt=3',
      '&foo=1',
      '&ticker.gt=A,B',
      '&date.gte=tomorrow',
      '&qopts.columns=ticker,nope',
      '&qopts.per_page=0',
      '&qopts.export=true',
      '&qopts.cursor_id=garbage',
      `&ticker=BAB&qopts.cursor_id=${other}`,
    ]) {
      expect([query, ...(await errorOf(sb, query))]).toEqual([
        query,
        422,
        { quandl_error: { code: 'QESx03', message: BAD_PARAMS } },
      ]);
    }
    expect((await errorOf(sb, '&lastupdated=2024-01-02', 'datatables/WIKI/PRICES'))[0]).toBe(422);
    const broken = await call(sb, `${SEP}.json`, '', {
      method: 'POST',
      headers: { 'x-api-token': sb.apiKey },
      body: '{"ticker":',
    });
    expect(broken.status).toBe(422);
    expect(() => ndlTableRows(sb.market, 'SHARADAR', 'SEP', { open: '1' })).toThrow(NdlError);
  });

  it('pages a 3,000-stock, 30-year market lazily', async () => {
    const sb = await startNdl({
      market: { seed: 'big', symbols: 3000, start: '1995-01-01', end: '2024-12-31' },
    });
    const began = Date.now();
    // Keys only, so the test pays for paging and not for prices (slow under jest's VM).
    const keys = '&qopts.columns=date,ticker';
    const first = await page(sb, `${keys}&qopts.per_page=20000`);
    expect(first.datatable.data).toHaveLength(10_000);
    const second = await page(sb, `${keys}&qopts.cursor_id=${first.meta.next_cursor_id}`);
    expect(second.datatable.data).toHaveLength(10_000);
    const all = [...first.datatable.data, ...second.datatable.data].map((r) => `${r[0]} ${r[1]}`);
    expect(new Set(all).size).toBe(20_000);
    expect(all).toEqual([...all].sort());
    const late = await page(sb, '&date.gte=2024-12-30&ticker=BAA,BAB,BAC');
    expect(late.datatable.data).toEqual(
      ndlTableRows(sb.market, 'SHARADAR', 'SEP', {
        'date.gte': '2024-12-30',
        ticker: 'BAA,BAB,BAC',
      }),
    );
    expect(late.datatable.data.map((r) => r[1])).toEqual([
      '2024-12-30',
      '2024-12-30',
      '2024-12-30',
      '2024-12-31',
      '2024-12-31',
      '2024-12-31',
    ]);
    expect(Date.now() - began).toBeLessThan(3000);
  });
});
