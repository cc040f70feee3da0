import { describe, expect, it } from '@jest/globals';
import { ndlDatasetRows } from '../src/ndl/ndl-dataset-query.js';
import { ndlTableRows } from '../src/ndl/ndl-sandbox.js';
import { catalogColumns, get, isWeekend, MARKET, page, SEP, startNdl } from './ndl-helpers.js';

describe('NDL tables: SHARADAR/SEP and WIKI/PRICES', () => {
  it("answers NDL's envelope: every listed stock on every open US day", async () => {
    const sb = await startNdl();
    const body = await page(sb);
    expect(Object.keys(body)).toEqual(['datatable', 'meta']);
    expect(Object.keys(body.datatable)).toEqual(['data', 'columns']);
    expect(body.meta).toEqual({ next_cursor_id: null });
    const big = 'BigDecimal(34,12)';
    expect(body.datatable.columns).toEqual([
      { name: 'ticker', type: 'String' },
      { name: 'date', type: 'Date' },
      { name: 'open', type: big },
      { name: 'high', type: big },
      { name: 'low', type: big },
      { name: 'close', type: big },
      { name: 'volume', type: 'BigDecimal(37,15)' },
      { name: 'closeadj', type: big },
      { name: 'closeunadj', type: big },
      { name: 'lastupdated', type: 'Date' },
    ]);
    const rows = body.datatable.data;
    expect(rows).toEqual(ndlTableRows(sb.market, 'SHARADAR', 'SEP'));
    // 20 stocks, one (BAH) delisted in 2018, on 64 open days.
    expect(rows).toHaveLength(19 * 64);
    expect(rows.some((r) => r[0] === 'BAH')).toBe(false);
    const days = new Set(rows.map((r) => r[1] as string));
    expect(days.size).toBe(64);
    expect(days.has('2024-01-01')).toBe(false);
    expect([...days].filter(isWeekend)).toEqual([]);
    const bad = rows.filter((row) => {
      const [open, high, low, close, volume] = row.slice(2, 7) as number[];
      const consistent = low! <= Math.min(open!, close!) && high! >= Math.max(open!, close!);
      return !consistent || !Number.isInteger(volume) || (row[9] as string) > '2024-03-31';
    });
    expect(bad).toEqual([]);
    // Date then ticker.
    const keys = rows.map((r) => `${r[1]} ${r[0]}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('starts a stock on its listing day and ends it before its delisting day', async () => {
    const sb = await startNdl({ market: { ...MARKET, symbols: 140 } });
    expect(sb.market.stockByTicker('BFI')?.listDate).toBe('2024-02-18');
    expect(sb.market.stockByTicker('BDV')?.delistDate).toBe('2024-01-30');
    const rows = (await page(sb, '&ticker=BFI,BDV&qopts.columns=ticker,date')).datatable.data;
    const of = (ticker: string) => rows.filter((r) => r[0] === ticker).map((r) => r[1]);
    expect([of('BFI')[0], of('BFI').length]).toEqual(['2024-02-19', 30]);
    expect([of('BDV').at(-1), of('BDV').length]).toEqual(['2024-01-29', 20]);
  });

  it('answers the asked columns in the asked order with qopts.columns', async () => {
    const sb = await startNdl();
    const body = await page(sb, '&qopts.columns=close,ticker&date=2024-01-02');
    expect(body.datatable.columns).toEqual([
      { name: 'close', type: 'BigDecimal(34,12)' },
      { name: 'ticker', type: 'String' },
    ]);
    const full = ndlTableRows(sb.market, 'SHARADAR', 'SEP', { date: '2024-01-02' });
    expect(body.datatable.data).toEqual(full.map((r) => [r[5], r[0]]));
  });

  it('serves WIKI/PRICES with dividends and adjusted prices', async () => {
    const sb = await startNdl({ market: { ...MARKET, start: '2024-05-01', end: '2024-08-30' } });
    const body = await page(sb, '', 'datatables/WIKI/PRICES');
    expect(body.datatable.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'ticker:String',
      'date:Date',
      'open:BigDecimal(34,12)',
      'high:BigDecimal(34,12)',
      'low:BigDecimal(34,12)',
      'close:BigDecimal(34,12)',
      'volume:BigDecimal(37,15)',
      'ex-dividend:BigDecimal(42,20)',
      'split_ratio:double',
      'adj_open:BigDecimal(50,28)',
      'adj_high:BigDecimal(50,28)',
      'adj_low:BigDecimal(50,28)',
      'adj_close:BigDecimal(50,28)',
      'adj_volume:double',
    ]);
    const rows = body.datatable.data;
    expect(rows).toEqual(ndlTableRows(sb.market, 'WIKI', 'PRICES'));
    const exDays = rows.filter((r) => r[7] !== 0);
    expect(exDays.length).toBeGreaterThan(5);
    for (const [ticker, exDate] of exDays) {
      const own = rows.filter((r) => r[0] === ticker);
      // One dividend a year: prices before it are adjusted down, from it on they are not.
      for (const r of own) {
        if ((r[1] as string) < (exDate as string)) expect(r[12]).toBeLessThan(r[5] as number);
        else expect(r[12]).toBe(r[5]);
      }
    }
    expect(rows.every((r) => r[8] === 1 && r[13] === r[6])).toBe(true);
  });

  it('answers CSV without the envelope', async () => {
    const sb = await startNdl();
    const reply = await get(sb, `${SEP}.csv`, '&date=2024-01-02&ticker=BAA,BAB');
    expect(reply.type).toBe('text/csv; charset=utf-8');
    const rows = ndlTableRows(sb.market, 'SHARADAR', 'SEP', {
      date: '2024-01-02',
      ticker: 'BAA,BAB',
    });
    expect(reply.text).toBe(
      `ticker,date,open,high,low,close,volume,closeadj,closeunadj,lastupdated\n${rows.map((r) => `${r.join(',')}\n`).join('')}`,
    );
    const missing = await get(sb, 'datatables/SHARADAR/SF1.csv');
    expect([missing.status, missing.text.split('\n')[0]]).toEqual([404, 'code,message']);
  });

  it('serves the columns the built-in catalog expects, in its order', async () => {
    const sb = await startNdl();
    const served = async (table: string) =>
      (await page(sb, '&qopts.per_page=1', table)).datatable.columns.map((c) => c.name);
    expect(await served(SEP)).toEqual(catalogColumns('ndl.SHARADAR.SEP'));
    expect(await served('datatables/WIKI/PRICES')).toEqual(catalogColumns('ndl.WIKI.PRICES'));
    const gold = await get(sb, 'datasets/LBMA/GOLD/data.json', '&limit=1');
    const names = (JSON.parse(gold.text) as { dataset_data: { column_names: string[] } })
      .dataset_data.column_names;
    expect(names).toEqual(catalogColumns('ndl.LBMA.GOLD'));
    expect(ndlDatasetRows(sb.market, 'LBMA', 'GOLD', { limit: 1 })[0]).toHaveLength(names.length);
  });
});
