import { builtInCatalog, zonedParts } from '@dsync/datasource';
import { tradeCalendar } from '../market/calendar.js';
import { compact, dayNumber } from '../market/dates.js';
import type { Market } from '../market/market.js';
import type { Bar } from '../market/prices.js';
import { pick, round, unit } from '../market/random.js';
import type { Stock } from '../market/stocks.js';
import { revisionsFor } from '../time/revisions.js';
import { FINAL, timelineOf, type DayGate } from '../time/timeline.js';
import { BadParamError, type Params } from './params.js';
import {
  quarterEnds,
  reportTypesOf,
  STATEMENT_APIS,
  statementRow,
  statementVersions,
  type StatementApi,
} from './statements.js';

/** One answer row: field name → value, as the API writes it (dates `YYYYMMDD`). */
export type Row = Record<string, unknown>;

/**
 * An interface of the replica: its fields (the catalog's, in the docs' order), its per-call
 * row cap, and its rows for a request, lazily and in the API's order (newest first), as
 * served at the instant `asOf` (ms; `FINAL` for everything published and revised).
 */
export interface TushareTable {
  readonly api: string;
  readonly fields: readonly string[];
  readonly rowCap: number;
  /** Parameters without which the real API answers "必填参数". */
  readonly required: readonly string[];
  rows(market: Market, params: Params, asOf: number): Iterable<Row>;
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

/**
 * Newest day first, then each stock in `ts_code` order: the order the real daily tables
 * answer in. Only the days the gate says are published.
 */
function* byTradeDate(
  market: Market,
  params: Params,
  gate: DayGate,
  rowOf: (stock: Stock, iso: string) => Row | undefined,
): Generator<Row> {
  const { start, end } = range(market, params);
  const stocks = stocksOf(market, params);
  for (const iso of market.openDays(start, end).reverse()) {
    if (!gate.published(iso)) continue;
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
  gate: DayGate,
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
  return byTradeDate(market, params, gate, (stock, iso) => {
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

/**
 * A daily bar as first published, before its revision: volume scaled by a drawn 0.9–0.99,
 * the amount recomputed from it as the model does.
 */
function preliminaryBar(market: Market, stock: Stock, iso: string, bar: Bar): Bar {
  const factor = 0.9 + 0.09 * revisionsFor(market, 'tushare.daily').draw(stock.index, iso);
  const vol = round(bar.vol * factor, 2);
  return { ...bar, vol, amount: round((vol * 100 * (bar.open + bar.close)) / 2 / 1000, 5) };
}

/** An adjustment factor as first published: the previous open day's when it differs, else 1% lower. */
function preliminaryFactor(market: Market, stock: Stock, iso: string, factor: number): number {
  const before = market.calendar.previous(iso);
  const previous = before === undefined ? undefined : market.prices.adjFactor(stock, before);
  return previous !== undefined && previous !== factor ? previous : round(factor * 0.99, 3);
}

/**
 * A stock as `stock_basic` lists it on a date (`asOfDate`, ISO; undefined: after the
 * market's end): absent before its list date, `D` from its delist date on.
 */
function stockBasicRow(
  market: Market,
  stock: Stock,
  asOfDate: string | undefined,
): Row | undefined {
  if (asOfDate !== undefined && stock.listDate > asOfDate) return undefined;
  const delisted =
    stock.delistDate !== undefined && stock.delistDate <= (asOfDate ?? market.options.end);
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

/**
 * A stock's statements, newest period first, each period's versions newest first. A version
 * is served once its announcement is published; an original's `update_flag` turns 0 once its
 * restatement is. Without `report_type`, type 1 only, as the real API answers.
 */
function* statements(
  api: StatementApi,
  market: Market,
  params: Params,
  asOf: number,
): Generator<Row> {
  const stock = market.stock(params.required('ts_code'));
  if (stock === undefined) return;
  const gate = timelineOf(market).gate(`tushare.${api}`, asOf);
  const reportType = api === 'fina_indicator' ? '1' : (params.text('report_type') ?? '1');
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
    if (api !== 'fina_indicator' && !reportTypesOf(p).includes(reportType)) continue;
    for (const version of statementVersions(market, stock, p).reverse()) {
      if (!gate.published(version.annDate)) continue;
      if (
        api !== 'fina_indicator' &&
        ((annFrom !== undefined && version.annDate < annFrom) ||
          (annTo !== undefined && version.annDate > annTo))
      )
        continue;
      if (annDate !== undefined && version.annDate !== annDate) continue;
      const restated = version.restatedOn !== undefined && gate.published(version.restatedOn);
      yield statementRow(market, api, stock, version, {
        updateFlag: restated ? '0' : '1',
        reportType,
      });
    }
  }
}

/** The days of a by-date interface served at `asOf`. */
const gateOf = (market: Market, api: string, asOf: number): DayGate =>
  timelineOf(market).gate(`tushare.${api}`, asOf);

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
    table('stock_basic', function* (market, params, asOf) {
      const status = params.text('list_status') ?? 'L';
      const exchange = params.text('exchange');
      const board = params.text('market');
      const asOfDate = asOf === FINAL ? undefined : zonedParts(asOf, 'Asia/Shanghai').date;
      for (const stock of stocksOf(market, params)) {
        const row = stockBasicRow(market, stock, asOfDate);
        if (row === undefined || row['list_status'] !== status) continue;
        if (
          (exchange !== undefined && stock.exchange !== exchange) ||
          (board !== undefined && stock.market !== board)
        )
          continue;
        yield row;
      }
    }),
    table('daily', (market, params, asOf) => {
      const preliminary = revisionsFor(market, 'tushare.daily').preliminaryAt(asOf);
      return byTradeDate(market, params, gateOf(market, 'daily', asOf), (stock, iso) => {
        const bar = market.prices.dailyBar(stock, iso);
        if (bar === undefined) return undefined;
        return barRow(
          stock.ts_code,
          iso,
          preliminary(stock.index, iso) ? preliminaryBar(market, stock, iso, bar) : bar,
        );
      });
    }),
    table('weekly', (market, params, asOf) =>
      periodTable(market, params, gateOf(market, 'weekly', asOf), weekOf),
    ),
    table('monthly', (market, params, asOf) =>
      periodTable(market, params, gateOf(market, 'monthly', asOf), monthOf),
    ),
    table('adj_factor', (market, params, asOf) => {
      const preliminary = revisionsFor(market, 'tushare.adj_factor').preliminaryAt(asOf);
      return byTradeDate(market, params, gateOf(market, 'adj_factor', asOf), (stock, iso) => {
        const factor = market.prices.adjFactor(stock, iso);
        if (factor === undefined) return undefined;
        return {
          ts_code: stock.ts_code,
          trade_date: compact(iso),
          adj_factor: preliminary(stock.index, iso)
            ? preliminaryFactor(market, stock, iso, factor)
            : factor,
        };
      });
    }),
    table('daily_basic', (market, params, asOf) =>
      byTradeDate(market, params, gateOf(market, 'daily_basic', asOf), (stock, iso) =>
        dailyBasicRow(market, stock, iso),
      ),
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
      function* (market, params, asOf) {
        const index = market.indices.find((i) => i.ts_code === params.required('ts_code'));
        if (index === undefined) return;
        const gate = gateOf(market, 'index_daily', asOf);
        const { start, end } = range(market, params);
        for (const iso of market.openDays(start, end).reverse()) {
          if (!gate.published(iso)) continue;
          const bar = market.prices.indexBar(index, iso);
          if (bar !== undefined) yield barRow(index.ts_code, iso, bar);
        }
      },
      ['ts_code'],
    ),
    ...STATEMENT_APIS.map((api) =>
      table(api, (market, params, asOf) => statements(api, market, params, asOf), ['ts_code']),
    ),
  ].map((t) => [t.api, t]),
);
