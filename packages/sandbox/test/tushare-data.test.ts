import { describe, expect, it, jest } from '@jest/globals';
import { groundTruth, isOpenDay, Market, startTushareSandbox } from '../src/index.js';
import { callTushare, records, track } from './helpers.js';

const MARKET = { seed: 'test', symbols: 40, start: '2023-01-01', end: '2024-06-30' } as const;
const market = new Market(MARKET);
const truth = groundTruth(market);
const start = () => track(startTushareSandbox({ market }));
jest.setTimeout(20_000);

describe('the Tushare replica: envelope and transport', () => {
  it('answers POST on / and on /dataapi/{api_name} with the same five keys and data', async () => {
    const { url, token } = await start();
    const body = {
      api_name: 'daily',
      token,
      params: { trade_date: '20240102' },
      fields: 'ts_code,close',
    };
    const root = await callTushare(url, body);
    const path = await callTushare(
      url,
      { token, params: body.params, fields: body.fields },
      '/dataapi/daily',
    );
    expect(Object.keys(root)).toEqual(['request_id', 'code', 'msg', 'data', 'detail']);
    expect(root.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(root).toMatchObject({ code: 0, msg: '', detail: '' });
    expect(root.data?.fields).toEqual(['ts_code', 'close']);
    expect(path.data).toEqual(root.data);
    expect(root.data?.has_more).toBe(false);
    expect(root.data?.count).toBe(0);
  });

  it('takes fields as a comma string or a list, keeps the interface’s order, ignores unknown names', async () => {
    const { url, token } = await start();
    const params = { trade_date: '20240102' };
    const asList = await callTushare(url, {
      api_name: 'daily',
      token,
      params,
      fields: ['close', 'ts_code', 'nope'],
    });
    expect(asList.data?.fields).toEqual(['ts_code', 'close']);
    const all = await callTushare(url, { api_name: 'daily', token, params, fields: '' });
    expect(all.data?.fields).toEqual([
      'ts_code',
      'trade_date',
      'open',
      'high',
      'low',
      'close',
      'pre_close',
      'change',
      'pct_chg',
      'vol',
      'amount',
    ]);
  });

  it('answers 404 off its paths and 405 for GET', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/api/daily`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/`)).status).toBe(405);
  });
});

describe('the Tushare replica: tables', () => {
  it('serves one trade date of daily bars exactly as the ground truth, stocks in ts_code order', async () => {
    const { url, token } = await start();
    const answer = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { trade_date: '20240102' },
    });
    const expected = [...truth.tushare('daily', { trade_date: '20240102' })];
    expect(expected.length).toBeGreaterThan(20);
    expect(records(answer)).toEqual(expected);
    const codes = expected.map((r) => r['ts_code'] as string);
    expect(codes).toEqual([...codes].sort());
    for (const bar of expected) {
      const { open, high, low, close, vol, amount } = bar as Record<
        'open' | 'high' | 'low' | 'close' | 'vol' | 'amount',
        number
      >;
      expect(low).toBeLessThanOrEqual(Math.min(open, close));
      expect(high).toBeGreaterThanOrEqual(Math.max(open, close));
      expect(vol).toBeGreaterThanOrEqual(0);
      expect(amount).toBeGreaterThanOrEqual(0);
    }
  });

  it('answers nothing on a closed day, and rows newest first over a range', async () => {
    const { url, token } = await start();
    const closed = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { trade_date: '20240101' },
    });
    expect(closed.data?.items).toEqual([]);
    const range = records(
      await callTushare(url, {
        api_name: 'daily',
        token,
        params: { ts_code: '600000.SH', start_date: '20240101', end_date: '20240131' },
      }),
    );
    const dates = range.map((r) => r['trade_date'] as string);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(dates.every((d) => isOpenDay(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`))).toBe(
      true,
    );
  });

  it('pages by offset and limit, and cuts silently at the row cap with has_more false', async () => {
    const { url, token } = await start();
    const params = { start_date: '20230101', end_date: '20231231' };
    const expected = [...truth.tushare('daily', params)];
    expect(expected.length).toBeGreaterThan(6000);
    const first = await callTushare(url, { api_name: 'daily', token, params });
    expect(first.data?.items).toHaveLength(6000);
    expect(first.data?.has_more).toBe(false);
    const rest = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { ...params, offset: 6000, limit: 6000 },
    });
    expect([...records(first), ...records(rest)]).toEqual(expected);
    const page = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { ...params, offset: '10', limit: '5' },
    });
    expect(records(page)).toEqual(expected.slice(10, 15));
    const overCap = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { ...params, limit: 9000 },
    });
    expect(overCap.data?.items).toHaveLength(6000);
  });

  it('tells the truth in has_more when asked to', async () => {
    const { url, token } = await track(startTushareSandbox({ market, truthfulHasMore: true }));
    const params = { trade_date: '20240102', limit: 5 };
    expect((await callTushare(url, { api_name: 'daily', token, params })).data?.has_more).toBe(
      true,
    );
  });

  it('lists listed and delisted stocks by list_status, with their dates', async () => {
    const { url, token } = await start();
    const listed = records(await callTushare(url, { api_name: 'stock_basic', token, params: {} }));
    const delisted = records(
      await callTushare(url, { api_name: 'stock_basic', token, params: { list_status: 'D' } }),
    );
    expect(listed.length + delisted.length).toBe(40);
    expect(listed.every((s) => s['list_status'] === 'L' && s['delist_date'] === null)).toBe(true);
    expect(
      delisted.every((s) => s['list_status'] === 'D' && typeof s['delist_date'] === 'string'),
    ).toBe(true);
    expect(listed[0]).toMatchObject({
      ts_code: '000001.SZ',
      symbol: '000001',
      exchange: 'SZSE',
      curr_type: 'CNY',
    });
  });

  it('has no bars before a stock lists or after it delists', () => {
    for (const stock of market.stocks) {
      const bars = [...truth.tushare('daily', { ts_code: stock.ts_code })];
      for (const bar of bars) {
        const iso = String(bar['trade_date']).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');
        expect(
          iso >= stock.listDate && (stock.delistDate === undefined || iso < stock.delistDate),
        ).toBe(true);
      }
    }
  });

  it('serves the trade calendar newest first with is_open and pretrade_date', async () => {
    const { url, token } = await start();
    const answer = await callTushare(url, {
      api_name: 'trade_cal',
      token,
      params: { exchange: 'SSE', start_date: '20231229', end_date: '20240102' },
    });
    expect(answer.data?.items).toEqual([
      ['SSE', '20240102', 1, '20231229'],
      ['SSE', '20240101', 0, '20231229'],
      ['SSE', '20231231', 0, '20231229'],
      ['SSE', '20231230', 0, '20231229'],
      ['SSE', '20231229', 1, '20231228'],
    ]);
  });

  it('dates weekly bars on the week’s last open day and sums the week', () => {
    const [week] = [...truth.tushare('weekly', { ts_code: '600000.SH', trade_date: '20240105' })];
    const days = [
      ...truth.tushare('daily', {
        ts_code: '600000.SH',
        start_date: '20240101',
        end_date: '20240105',
      }),
    ].reverse();
    expect(week).toMatchObject({
      trade_date: '20240105',
      open: days[0]?.['open'],
      close: days.at(-1)?.['close'],
      high: Math.max(...days.map((d) => d['high'] as number)),
    });
    expect([...truth.tushare('weekly', { ts_code: '600000.SH', trade_date: '20240104' })]).toEqual(
      [],
    );
  });

  it('serves statements per symbol with the catalog’s fields and announcement dates after the period', async () => {
    const { url, token } = await start();
    const answer = await callTushare(url, {
      api_name: 'income',
      token,
      params: { ts_code: '600000.SH', period: '20231231' },
    });
    expect(answer.data?.fields).toEqual(truth.tushareFields('income'));
    const rows = records(answer);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) {
      expect(row).toMatchObject({
        ts_code: '600000.SH',
        end_date: '20231231',
        report_type: '1',
        end_type: '4',
      });
      expect(String(row['ann_date']) > '20231231').toBe(true);
    }
    expect(rows[0]?.['update_flag']).toBe('1');
  });

  it('answers a restated statement as two versions, the newer first and flagged 1', () => {
    const restated = market.stocks
      .flatMap((stock) =>
        ['20230331', '20230630', '20230930', '20231231'].map((period) => ({ stock, period })),
      )
      .map(({ stock, period }) => [
        ...truth.tushare('balancesheet', { ts_code: stock.ts_code, period }),
      ])
      .find((rows) => rows.length === 2);
    expect(restated).toBeDefined();
    const [newer, older] = restated ?? [];
    expect([newer?.['update_flag'], older?.['update_flag']]).toEqual(['1', '0']);
    expect(String(newer?.['f_ann_date']) > String(older?.['f_ann_date'])).toBe(true);
  });

  it('raises adjustment factors only at ex-dividend dates, never lowers them', () => {
    for (const stock of market.stocks.slice(0, 10)) {
      const factors = [...truth.tushare('adj_factor', { ts_code: stock.ts_code })]
        .reverse()
        .map((r) => r['adj_factor'] as number);
      for (let i = 1; i < factors.length; i++)
        expect(factors[i]).toBeGreaterThanOrEqual(factors[i - 1] as number);
    }
  });

  it('gives daily_basic the daily close and market values from it', () => {
    const params = { trade_date: '20240315' };
    const closes = new Map(
      [...truth.tushare('daily', params)].map((r) => [r['ts_code'], r['close']]),
    );
    const basics = [...truth.tushare('daily_basic', params)];
    expect(basics.map((r) => r['ts_code'])).toEqual([...closes.keys()]);
    for (const row of basics) {
      expect(row['close']).toBe(closes.get(row['ts_code']));
      expect(row['total_mv']).toBeCloseTo(
        (row['close'] as number) * (row['total_share'] as number),
        2,
      );
    }
  });

  it('dates monthly bars on the month’s last open day', () => {
    const months = [
      ...truth.tushare('monthly', {
        ts_code: '600000.SH',
        start_date: '20240101',
        end_date: '20240630',
      }),
    ];
    expect(months.map((r) => r['trade_date'])).toEqual([
      '20240628',
      '20240531',
      '20240430',
      '20240329',
      '20240229',
      '20240131',
    ]);
  });

  it('serves index bars per index from its list date, and the index list by market', async () => {
    const { url, token } = await start();
    const csi = records(
      await callTushare(url, { api_name: 'index_basic', token, params: { market: 'CSI' } }),
    );
    expect(csi.map((r) => r['ts_code'])).toEqual(['000300.SH', '000905.SH', 'H30269.CSI']);
    const bars = records(
      await callTushare(url, {
        api_name: 'index_daily',
        token,
        params: { ts_code: '000300.SH', start_date: '20240101', end_date: '20240110' },
      }),
    );
    expect(bars.map((r) => r['trade_date'])).toEqual([
      '20240110',
      '20240109',
      '20240108',
      '20240105',
      '20240104',
      '20240103',
      '20240102',
    ]);
  });

  it('recomputes the same market from the same seed, and another from another seed', () => {
    const again = groundTruth({ ...MARKET });
    const params = { trade_date: '20240102' };
    expect([...again.tushare('daily', params)]).toEqual([...truth.tushare('daily', params)]);
    expect([...groundTruth({ ...MARKET, seed: 'other' }).tushare('daily', params)]).not.toEqual([
      ...truth.tushare('daily', params),
    ]);
  });
});
