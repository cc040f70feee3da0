import type { DataSourceInput } from '../../schema/data-source.js';
import {
  AT_ONCE,
  BAR_FIELDS,
  DAILY_SYNC,
  date,
  EVENING_BARS,
  int,
  key,
  num,
  str,
  tushareDoc as doc,
} from './fields.js';

/**
 * Market-wide Tushare tables. The daily tables are fetched one trade date at a time: one
 * call then returns the whole market for that day (about 5,400 rows, under the 6,000 cap),
 * which is far fewer calls than one per symbol.
 */

export const tushareTradeCal = {
  id: 'tushare.trade_cal',
  provider: 'tushare',
  api: 'trade_cal',
  title: 'Trading calendar',
  description: 'Open and closed days of each exchange; the calendar every by-date source runs on.',
  docs: doc(26),
  fields: [key('exchange'), key('cal_date', 'date'), ...int('is_open'), ...date('pretrade_date')],
  primaryKey: ['exchange', 'cal_date'],
  params: { exchange: 'SSE' },
  // No cap is documented; one exchange-year is 365 rows, so ten years stay far below 6,000.
  args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 3650 },
  rowCap: 6000,
  sync: { since: '19901219', schedule: '0 1 * * *', freshness: '7d' },
  publication: AT_ONCE,
} satisfies DataSourceInput;

export const tushareStockBasic = {
  id: 'tushare.stock_basic',
  provider: 'tushare',
  api: 'stock_basic',
  title: 'Stock list',
  description:
    'Every A-share listed, delisted or paused, with its listing dates; fan-out keys for per-symbol sources.',
  docs: doc(25),
  fields: [
    key('ts_code'),
    ...str(
      'symbol',
      'name',
      'area',
      'industry',
      'fullname',
      'enname',
      'cnspell',
      'market',
      'exchange',
    ),
    ...str('curr_type', 'list_status'),
    ...date('list_date', 'delist_date'),
    ...str('is_hs', 'act_name', 'act_ent_type'),
  ],
  primaryKey: ['ts_code'],
  // The API answers listed stocks only unless asked: ask for each status so fan-outs see delisted symbols too.
  args: { kind: 'enumerate', param: 'list_status', values: ['L', 'D', 'P'] },
  rowCap: 6000,
  sync: { schedule: '0 1 * * *', freshness: '1d' },
  publication: AT_ONCE,
} satisfies DataSourceInput;

const byTradeDate = { kind: 'trade-calendar', param: 'trade_date' } as const;

/** A complete market-wide daily table: every stock listed on each open day (suspensions aside). */
const EVERY_LISTED_STOCK = {
  dateField: 'trade_date',
  keyField: 'ts_code',
  keys: {
    source: 'tushare.stock_basic',
    field: 'ts_code',
    listedFrom: 'list_date',
    listedUntil: 'delist_date',
  },
} as const;

export const tushareDaily = {
  id: 'tushare.daily',
  provider: 'tushare',
  api: 'daily',
  title: 'Daily bars (unadjusted)',
  description: 'Open, high, low, close, volume and amount of every stock on each trade date.',
  docs: doc(27),
  fields: BAR_FIELDS,
  primaryKey: ['ts_code', 'trade_date'],
  args: byTradeDate,
  coverage: EVERY_LISTED_STOCK,
  rowCap: 6000,
  sync: DAILY_SYNC,
  publication: EVENING_BARS,
} satisfies DataSourceInput;

/**
 * Weekly and monthly bars are dated on the period's last trade date, so they are fetched
 * by date windows rather than per open day (most days would answer nothing). Offset paging
 * catches a window that holds two period ends.
 */
export const tushareWeekly = {
  id: 'tushare.weekly',
  provider: 'tushare',
  api: 'weekly',
  title: 'Weekly bars',
  description: 'Weekly bars of every stock, dated on the last trade date of each week.',
  docs: doc(144),
  fields: BAR_FIELDS,
  primaryKey: ['ts_code', 'trade_date'],
  args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 7 },
  rowCap: 6000,
  sync: { since: '19901219', schedule: '30 20 * * 5', freshness: '7d' },
  // Dated on the week's last trade day, out that evening like the daily bars.
  publication: EVENING_BARS,
} satisfies DataSourceInput;

export const tushareMonthly = {
  id: 'tushare.monthly',
  provider: 'tushare',
  api: 'monthly',
  title: 'Monthly bars',
  description: 'Monthly bars of every stock, dated on the last trade date of each month.',
  docs: doc(145),
  fields: BAR_FIELDS,
  primaryKey: ['ts_code', 'trade_date'],
  args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 28 },
  rowCap: 6000,
  sync: {
    since: '19901219',
    schedule: '30 20 28-31 * *',
    freshness: '31d',
  },
  publication: EVENING_BARS,
} satisfies DataSourceInput;

export const tushareAdjFactor = {
  id: 'tushare.adj_factor',
  provider: 'tushare',
  api: 'adj_factor',
  title: 'Adjustment factors',
  description: 'The cumulative adjustment factor of every stock on each trade date.',
  docs: doc(28),
  fields: [key('ts_code'), key('trade_date', 'date'), ...num('adj_factor')],
  primaryKey: ['ts_code', 'trade_date'],
  args: byTradeDate,
  coverage: EVERY_LISTED_STOCK,
  // No cap is documented; users page at 6,000 and one day is about 5,400 rows.
  rowCap: 6000,
  sync: DAILY_SYNC,
  publication: EVENING_BARS,
} satisfies DataSourceInput;

export const tushareDailyBasic = {
  id: 'tushare.daily_basic',
  provider: 'tushare',
  api: 'daily_basic',
  title: 'Daily indicators',
  description:
    'Turnover, valuation ratios, share counts and market value of every stock on each trade date.',
  docs: doc(32),
  fields: [
    key('ts_code'),
    key('trade_date', 'date'),
    ...num('close'),
    ...num(
      'turnover_rate',
      'turnover_rate_f',
      'volume_ratio',
      'pe',
      'pe_ttm',
      'pb',
      'ps',
      'ps_ttm',
    ),
    ...num('dv_ratio', 'dv_ttm'),
    ...num('total_share', 'float_share', 'free_share', 'total_mv', 'circ_mv'),
  ],
  primaryKey: ['ts_code', 'trade_date'],
  args: byTradeDate,
  coverage: EVERY_LISTED_STOCK,
  rowCap: 6000,
  sync: DAILY_SYNC,
  // The official page says 15:00–17:00, a third-party page 17:00–19:00: the window spans both.
  publication: { from: '15:00', by: '19:00', settle: '1 trading day' },
} satisfies DataSourceInput;

export const tushareMarket = [
  tushareTradeCal,
  tushareStockBasic,
  tushareDaily,
  tushareWeekly,
  tushareMonthly,
  tushareAdjFactor,
  tushareDailyBasic,
] as const;
