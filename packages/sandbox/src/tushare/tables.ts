import { builtInCatalog } from '@dsync/datasource';
import { tradeCalendar } from '../market/calendar.js';
import { compact, dayNumber } from '../market/dates.js';
import type { Market } from '../market/market.js';
import type { Bar } from '../market/prices.js';
import { pick, round, unit } from '../market/random.js';
import type { Stock } from '../market/stocks.js';
import { BadParamError, type Params } from './params.js';
import {
  quarterEnds,
  STATEMENT_APIS,
  statementRow,
  statementVersions,
  type StatementApi,
} from './statements.js';

/** One answer row: field name → value, as the API writes it (dates `YYYYMMDD`). */
export type Row = Record<string, unknown>;

/**
 * An interface of the replica: its fields (the catalog's, in the docs' order), its per-call
 * row cap, and its rows for a request, lazily and in the API's order (newest first).
 */
export interface TushareTable {
  readonly api: string;
  readonly fields: readonly string[];
  readonly rowCap: number;
  /** Parameters without which the real API answers "必填参数". */
  readonly required: readonly string[];
  rows(market: Market, params: Params): Iterable<Row>;
}

const barRow = (tsCode: string, iso: string, bar: Bar): Row => ({
  ts_code: tsCode,
  trade_date: compact(iso),
  ...bar,
});

const sortedStocks = new WeakMap<Market, readonly Stock[]>();
/** The stocks in `ts_code` order, once per market. */
function stocksOf(market: Market, params: Params): readonly Stock[] {
  const codes = params.list('ts_code');
  if (codes !== undefined)
    return codes.map((c) => market.stock(c)).filter((s): s is Stock => s !== undefined);
  let sorted = sortedStocks.get(market);
  if (sorted === undefined)
    sortedStocks.set(
      market,
      (sorted = [...market.stocks].sort((a, b) => a.ts_code.localeCompare(b.ts_code))),
    );
  return sorted;
}

/** The date range a by-date request asks for: `trade_date`, or `start_date`..`end_date`, within the market. */
function range(market: Market, params: Params): { start: string; end: string } {
  const day = params.date('trade_date');
  const start = day ?? params.date('start_date') ?? market.options.start;
  const end = day ?? params.date('end_date') ?? market.options.end;
  return { start, end };
}

/** Newest day first, then each stock in `ts_code` order: the order the real daily tables answer in. */
function* byTradeDate(
  market: Market,
  params: Params,
  rowOf: (stock: Stock, iso: string) => Row | undefined,
): Generator<Row> {
  const { start, end } = range(market, params);
  const stocks = stocksOf(market, params);
  for (const iso of market.openDays(start, end).reverse()) {
    for (const stock of stocks) {
      const row = rowOf(stock, iso);
      if (row !== undefined) yield row;
    }
  }
}

const weekOf = (iso: string) => Math.floor((dayNumber(iso) + 3) / 7);
const monthOf = (iso: string) => iso.slice(0, 7);

/** Weekly and monthly bars, dated on each period's last open day. */
function periodTable(
  market: Market,
  params: Params,
  periodOf: (iso: string) => string | number,
): Generator<Row> {
  const daysOf = (end: string): string[] => {
    const days = [end];
    for (
      let d = market.calendar.previous(end);
      d !== undefined && periodOf(d) === periodOf(end);
      d = market.calendar.previous(d)
    )
      days.unshift(d);
    return days;
  };
  const isPeriodEnd = (iso: string) => {
    const next = market.calendar.next(iso);
    return next === undefined || periodOf(next) !== periodOf(iso);
  };
  return byTradeDate(market, params, (stock, iso) => {
    if (!isPeriodEnd(iso)) return undefined;
    const bar = market.prices.periodBar(
      stock,
      daysOf(iso).filter((d) => d >= market.options.start),
    );
    return bar === undefined ? undefined : barRow(stock.ts_code, iso, bar);
  });
}

function dailyBasicRow(market: Market, stock: Stock, iso: string): Row | undefined {
  const bar = market.prices.dailyBar(stock, iso);
  if (bar === undefined) return undefined;
  const { seed } = market;
  const u = (name: string) => unit(seed, name, stock.index, iso);
  const floatShare = round(stock.totalShare * (0.6 + 0.4 * unit(seed, 'float', stock.index)), 4);
  const freeShare = round(floatShare * (0.5 + 0.4 * unit(seed, 'free', stock.index)), 4);
  const loss = unit(seed, 'loss', stock.index, iso.slice(0, 4)) < 0.1;
  return {
    ts_code: stock.ts_code,
    trade_date: compact(iso),
    close: bar.close,
    turnover_rate: round((bar.vol / floatShare) * 100, 4),
    turnover_rate_f: round((bar.vol / freeShare) * 100, 4),
    volume_ratio: round(0.3 + 2.5 * u('vr'), 2),
    pe: loss ? null : round(5 + 95 * u('pe'), 4),
    pe_ttm: loss ? null : round(5 + 95 * u('pe_ttm'), 4),
    pb: round(0.5 + 9.5 * u('pb'), 4),
    ps: round(0.2 + 20 * u('ps'), 4),
    ps_ttm: round(0.2 + 20 * u('ps_ttm'), 4),
    dv_ratio: u('dv') < 0.3 ? null : round(4 * u('dv_ratio'), 4),
    dv_ttm: u('dv') < 0.3 ? null : round(4 * u('dv_ttm'), 4),
    total_share: stock.totalShare,
    float_share: floatShare,
    free_share: freeShare,
    total_mv: round(bar.close * stock.totalShare, 4),
    circ_mv: round(bar.close * floatShare, 4),
  };
}

function stockBasicRow(market: Market, stock: Stock): Row {
  const delisted = stock.delistDate !== undefined && stock.delistDate <= market.options.end;
  return {
    ts_code: stock.ts_code,
    symbol: stock.symbol,
    name: stock.name,
    area: stock.area,
    industry: stock.industry,
    fullname: `${stock.name}股份有限公司`,
    enname: `${stock.ticker} Co., Ltd.`,
    cnspell: stock.ticker.toLowerCase(),
    market: stock.market,
    exchange: stock.exchange,
    curr_type: 'CNY',
    list_status: delisted ? 'D' : 'L',
    list_date: compact(stock.listDate),
    delist_date: delisted && stock.delistDate !== undefined ? compact(stock.delistDate) : null,
    is_hs: pick(market.seed, ['N', 'H', 'S'], 'is_hs', stock.index),
    act_name: null,
    act_ent_type: pick(
      market.seed,
      ['地方国企', '民营企业', '中央国企', '无'],
      'act_ent_type',
      stock.index,
    ),
  };
}

function* statements(api: StatementApi, market: Market, params: Params): Generator<Row> {
  const stock = market.stock(params.required('ts_code'));
  if (stock === undefined) return;
  const period = params.date('period');
  const annFrom = params.date('start_date');
  const annTo = params.date('end_date');
  const annDate = params.date('ann_date');
  const periods =
    period !== undefined ? [period] : quarterEnds(market.options.start, market.options.end);
  for (const p of periods) {
    // fina_indicator's start/end_date bound the report period; the statements' bound the announcement.
    if (
      api === 'fina_indicator' &&
      ((annFrom !== undefined && p < annFrom) || (annTo !== undefined && p > annTo))
    )
      continue;
    for (const version of statementVersions(market, stock, p).reverse()) {
      if (
        api !== 'fina_indicator' &&
        ((annFrom !== undefined && version.annDate < annFrom) ||
          (annTo !== undefined && version.annDate > annTo))
      )
        continue;
      if (annDate !== undefined && version.annDate !== annDate) continue;
      yield statementRow(market, api, stock, version);
    }
  }
}

const EXCHANGES = new Set(['SSE', 'SZSE', 'CFFEX', 'SHFE', 'CZCE', 'DCE', 'INE', 'BSE']);

const catalogFields = (api: string): readonly string[] => {
  const source = builtInCatalog().get(`tushare.${api}`);
  if (source === undefined) throw new Error(`the catalog has no tushare.${api}`);
  return source.fields.map((f) => f.name);
};
const catalogCap = (api: string): number => builtInCatalog().get(`tushare.${api}`)?.rowCap ?? 6000;

type Rows = TushareTable['rows'];
const table = (api: string, rows: Rows, required: readonly string[] = []): TushareTable => ({
  api,
  fields: catalogFields(api),
  rowCap: catalogCap(api),
  required,
  rows,
});

/** Every interface the replica serves: the catalog's Tushare interfaces. */
export const TUSHARE_TABLES: ReadonlyMap<string, TushareTable> = new Map(
  [
    table('trade_cal', function* (market, params) {
      const exchange = params.text('exchange') ?? 'SSE';
      if (!EXCHANGES.has(exchange))
        throw new BadParamError('exchange', `不支持的交易所: ${exchange}`);
      const lastDay = `${market.options.end.slice(0, 4)}-12-31`;
      const start = params.date('start_date') ?? '1990-12-19';
      const endParam = params.date('end_date') ?? lastDay;
      const end = endParam > lastDay ? lastDay : endParam;
      const isOpen = params.text('is_open');
      if (start > end) return;
      for (const day of tradeCalendar(exchange, start, end).reverse()) {
        if (isOpen === undefined || String(day.is_open) === isOpen) yield { ...day };
      }
    }),
    table('stock_basic', function* (market, params) {
      const status = params.text('list_status') ?? 'L';
      const exchange = params.text('exchange');
      const board = params.text('market');
      for (const stock of stocksOf(market, params)) {
        const row = stockBasicRow(market, stock);
        if (row['list_status'] !== status) continue;
        if (
          (exchange !== undefined && stock.exchange !== exchange) ||
          (board !== undefined && stock.market !== board)
        )
          continue;
        yield row;
      }
    }),
    table('daily', (market, params) =>
      byTradeDate(market, params, (stock, iso) => {
        const bar = market.prices.dailyBar(stock, iso);
        return bar && barRow(stock.ts_code, iso, bar);
      }),
    ),
    table('weekly', (market, params) => periodTable(market, params, weekOf)),
    table('monthly', (market, params) => periodTable(market, params, monthOf)),
    table('adj_factor', (market, params) =>
      byTradeDate(market, params, (stock, iso) => {
        const factor = market.prices.adjFactor(stock, iso);
        return factor === undefined
          ? undefined
          : { ts_code: stock.ts_code, trade_date: compact(iso), adj_factor: factor };
      }),
    ),
    table('daily_basic', (market, params) =>
      byTradeDate(market, params, (stock, iso) => dailyBasicRow(market, stock, iso)),
    ),
    table('index_basic', function* (market, params) {
      const codes = params.list('ts_code');
      const board = params.text('market');
      const publisher = params.text('publisher');
      for (const index of market.indices) {
        if (codes !== undefined && !codes.includes(index.ts_code)) continue;
        if (
          (board !== undefined && index.market !== board) ||
          (publisher !== undefined && index.publisher !== publisher)
        )
          continue;
        yield {
          ts_code: index.ts_code,
          name: index.name,
          fullname: index.fullname,
          market: index.market,
          publisher: index.publisher,
          index_type: null,
          category: index.category,
          base_date: compact(index.baseDate),
          base_point: index.basePoint,
          list_date: compact(index.listDate),
          weight_rule: null,
          desc: `${index.fullname}，反映${index.market}市场表现。`,
          exp_date: null,
        };
      }
    }),
    table(
      'index_daily',
      function* (market, params) {
        const index = market.indices.find((i) => i.ts_code === params.required('ts_code'));
        if (index === undefined) return;
        const { start, end } = range(market, params);
        for (const iso of market.openDays(start, end).reverse()) {
          const bar = market.prices.indexBar(index, iso);
          if (bar !== undefined) yield barRow(index.ts_code, iso, bar);
        }
      },
      ['ts_code'],
    ),
    ...STATEMENT_APIS.map((api) =>
      table(api, (market, params) => statements(api, market, params), ['ts_code']),
    ),
  ].map((t) => [t.api, t]),
);
