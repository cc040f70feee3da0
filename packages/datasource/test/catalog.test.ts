import { describe, expect, it } from '@jest/globals';
import {
  builtInCatalog,
  CATALOG_DEFINITIONS,
  DataSourceRegistry,
  defineDataSource,
  ndlTable,
  ndlTimeSeries,
  type DataSource,
} from '../src/index.js';

const catalog = builtInCatalog();
const all = [...catalog.values()];

describe('the built-in catalog', () => {
  it('holds the Tushare interfaces and NDL entries the docs list, every one valid', () => {
    expect([...catalog.keys()]).toEqual([
      'tushare.trade_cal',
      'tushare.stock_basic',
      'tushare.daily',
      'tushare.weekly',
      'tushare.monthly',
      'tushare.adj_factor',
      'tushare.daily_basic',
      'tushare.index_basic',
      'tushare.index_daily',
      'tushare.income',
      'tushare.balancesheet',
      'tushare.cashflow',
      'tushare.fina_indicator',
      'ndl.LBMA.GOLD',
      'ndl.SHARADAR.SEP',
      'ndl.WIKI.PRICES',
    ]);
    expect(all).toHaveLength(CATALOG_DEFINITIONS.length);
  });

  it.each(all.map((s) => [s.id, s] as [string, DataSource]))(
    '%s: its primary key lies in its fields, none nullable',
    (_id, source) => {
      const byName = new Map(source.fields.map((f) => [f.name, f]));
      expect(byName.size).toBe(source.fields.length);
      for (const key of source.primaryKey)
        expect(byName.get(key)).toMatchObject({ name: key, nullable: false });
    },
  );

  it.each(
    all.filter((s) => s.provider === 'tushare').map((s) => [s.id, s] as [string, DataSource]),
  )(
    '%s: calls its own api, pages by offset at its row cap, and is stored in its own table',
    (id, source) => {
      expect(source.api).toBe(id.slice('tushare.'.length));
      expect(source.rowCap).toBeGreaterThan(0);
      expect(source.pagination).toEqual({
        kind: 'offset',
        limitParam: 'limit',
        offsetParam: 'offset',
        pageSize: source.rowCap,
      });
      expect(source.storage.table).toBe(id.replace('.', '_'));
      expect(source.docs).toMatch(/^https:\/\/tushare\.pro\/document\/2\?doc_id=\d+$/);
    },
  );

  it('fetches the market-wide daily tables by trade date and the statements by symbol and period', () => {
    for (const id of ['tushare.daily', 'tushare.adj_factor', 'tushare.daily_basic']) {
      expect(catalog.get(id)?.args).toEqual({
        kind: 'trade-calendar',
        param: 'trade_date',
        calendar: 'tushare.trade_cal',
        exchange: 'SSE',
      });
    }
    for (const id of [
      'tushare.income',
      'tushare.balancesheet',
      'tushare.cashflow',
      'tushare.fina_indicator',
    ]) {
      expect(catalog.get(id)?.args).toEqual({
        kind: 'fan-out',
        param: 'ts_code',
        keys: {
          source: 'tushare.stock_basic',
          field: 'ts_code',
          listedFrom: 'list_date',
          listedUntil: 'delist_date',
        },
        each: { kind: 'report-period', param: 'period', quarters: [1, 2, 3, 4] },
      });
      expect(catalog.get(id)?.params['ts_code']).toMatchObject({ kind: 'input', required: true });
    }
    expect(catalog.get('tushare.fina_indicator')?.rowCap).toBe(100);
    expect(catalog.get('tushare.stock_basic')?.args).toEqual({
      kind: 'enumerate',
      param: 'list_status',
      values: ['L', 'D', 'P'],
    });
  });

  it('keeps the real Tushare field names of daily, in the docs’ order', () => {
    expect(catalog.get('tushare.daily')?.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'ts_code:string',
      'trade_date:date',
      'open:float',
      'high:float',
      'low:float',
      'close:float',
      'pre_close:float',
      'change:float',
      'pct_chg:float',
      'vol:float',
      'amount:float',
    ]);
  });

  it('states for every source when its data is out and how long it may change', () => {
    const stated = Object.fromEntries(
      CATALOG_DEFINITIONS.map((d) => [d.id, d.publication === undefined ? 'unstated' : 'stated']),
    );
    expect(Object.values(stated).every((s) => s === 'stated')).toBe(true);
    const summary = (id: string) => {
      const p = catalog.get(id)?.publication;
      return p && `${p.timezone} ${p.from}-${p.by} +${p.lagDays}d settle ${p.settle.kind}`;
    };
    expect(summary('tushare.daily')).toBe('Asia/Shanghai 15:00-20:00 +0d settle trading-days');
    expect(summary('tushare.daily_basic')).toBe(
      'Asia/Shanghai 15:00-19:00 +0d settle trading-days',
    );
    expect(summary('tushare.income')).toBe('Asia/Shanghai 21:00-21:00 +1d settle months');
    expect(catalog.get('tushare.income')?.publication.recheck).toBe(7 * 86_400_000);
    expect(summary('tushare.trade_cal')).toBe('Asia/Shanghai 00:00-00:00 +0d settle none');
    expect(summary('ndl.SHARADAR.SEP')).toBe('America/New_York 00:00-09:00 +1d settle duration');
    expect(summary('ndl.LBMA.GOLD')).toBe('America/New_York 11:00-18:00 +0d settle duration');
  });

  it('resolves every catalog source with its dependencies, without cycles', () => {
    const registry = DataSourceRegistry.load([...catalog.keys()]);
    const order = registry.resolve().map((s) => s.id);
    expect(order.indexOf('tushare.trade_cal')).toBeLessThan(order.indexOf('tushare.daily'));
    expect(order.indexOf('tushare.stock_basic')).toBeLessThan(order.indexOf('tushare.income'));
    expect(order.indexOf('tushare.index_basic')).toBeLessThan(order.indexOf('tushare.index_daily'));
    expect(order).toHaveLength(16);
  });
});

describe('Nasdaq Data Link factories', () => {
  it('builds a time series source: one row per date, no paging, ISO dates', () => {
    const source = defineDataSource(
      ndlTimeSeries({
        database: 'FRED',
        dataset: 'GDP',
        columns: [{ name: 'value', type: 'float', from: 'Value' }],
      }),
    );
    expect(source).toMatchObject({
      id: 'ndl.FRED.GDP',
      api: 'datasets/FRED/GDP',
      primaryKey: ['date'],
      pagination: { kind: 'none' },
      dateFormat: 'YYYY-MM-DD',
      storage: { table: 'ndl_fred_gdp', writeMode: 'upsert' },
      sync: { since: '1990-01-01', timezone: 'America/New_York' },
    });
    expect(source.fields.map((f) => [f.name, f.from])).toEqual([
      ['date', 'Date'],
      ['value', 'Value'],
    ]);
  });

  it('builds a table source: date-filter windows and cursor pages of 10,000', () => {
    const source = defineDataSource(
      ndlTable({
        vendor: 'ZACKS',
        table: 'FC',
        fields: [
          { name: 'ticker', type: 'string', nullable: false },
          { name: 'per_end_date', type: 'date', nullable: false },
        ],
        primaryKey: ['ticker', 'per_end_date'],
        dateColumn: 'per_end_date',
        rowsPerDay: 100,
      }),
    );
    expect(source.args).toEqual({
      kind: 'date-window',
      startParam: 'per_end_date.gte',
      endParam: 'per_end_date.lte',
      rowsPerDay: 100,
    });
    expect(source.pagination).toEqual({
      kind: 'cursor',
      cursorParam: 'qopts.cursor_id',
      pageSizeParam: 'qopts.per_page',
      pageSize: 10000,
    });
  });

  it('rejects a code that is not an NDL path', () => {
    expect(() =>
      defineDataSource(ndlTimeSeries({ database: 'lbma', dataset: 'GOLD', columns: [] })),
    ).toThrow(
      'api: not a ndl api; expected something like datasets/LBMA/GOLD or datatables/SHARADAR/SEP, got "datasets/lbma/GOLD"',
    );
  });
});
