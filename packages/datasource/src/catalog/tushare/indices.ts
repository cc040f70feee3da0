import type { DataSourceInput } from '../../schema/data-source.js';
import { AT_ONCE, BAR_FIELDS, DAILY_SYNC, date, key, str, tushareDoc, num } from './fields.js';

export const tushareIndexBasic = {
  id: 'tushare.index_basic',
  provider: 'tushare',
  api: 'index_basic',
  title: 'Index list',
  description:
    'Every index of each publisher with its base date and point; fan-out keys for index_daily.',
  docs: tushareDoc(94),
  fields: [
    key('ts_code'),
    ...str('name', 'fullname', 'market', 'publisher', 'index_type', 'category'),
    ...date('base_date'),
    ...num('base_point'),
    ...date('list_date'),
    ...str('weight_rule', 'desc'),
    ...date('exp_date'),
  ],
  primaryKey: ['ts_code'],
  // Without `market` the API answers one market only in some versions: ask each publisher market.
  args: {
    kind: 'enumerate',
    param: 'market',
    values: ['MSCI', 'CSI', 'SSE', 'SZSE', 'CICC', 'SW', 'OTH'],
  },
  rowCap: 8000,
  sync: { schedule: '0 1 * * 1', freshness: '7d' },
  publication: AT_ONCE,
} satisfies DataSourceInput;

/**
 * Index bars need one `ts_code` per call, so they fan out over the index list and window
 * each index's history under the 8,000-row cap (one row per trade day, about 0.7 per
 * calendar day).
 */
export const tushareIndexDaily = {
  id: 'tushare.index_daily',
  provider: 'tushare',
  api: 'index_daily',
  title: 'Index daily bars',
  description: 'Daily bars of each index.',
  docs: tushareDoc(95),
  fields: BAR_FIELDS,
  primaryKey: ['ts_code', 'trade_date'],
  params: { ts_code: { kind: 'input', required: true, description: 'TS code of one index' } },
  args: {
    kind: 'fan-out',
    param: 'ts_code',
    keys: {
      source: 'tushare.index_basic',
      field: 'ts_code',
      listedFrom: 'base_date',
      listedUntil: 'exp_date',
    },
    each: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', rowsPerDay: 1 },
  },
  rowCap: 8000,
  sync: DAILY_SYNC,
  // "Updated at 09:00 and 19:00" (a third-party page): the evening's bars, corrected next morning.
  publication: { from: '19:00', by: '20:00', settle: '1 trading day' },
} satisfies DataSourceInput;

export const tushareIndices = [tushareIndexBasic, tushareIndexDaily] as const;
