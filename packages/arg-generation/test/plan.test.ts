import { describe, expect, it } from '@jest/globals';
import { generateArgs, mergePlans, planArgs, type GenerateOptions } from '../src/index.js';
import { catalog, collect, context } from './fixtures.js';

const cases: [string, GenerateOptions][] = [
  ['tushare.daily', { since: '2024-01-01', until: '2024-01-12' }],
  ['tushare.trade_cal', { until: '2024-01-10' }],
  ['tushare.stock_basic', { until: '2024-01-10' }],
  ['tushare.income', { since: '2019-01-01', until: '2024-01-10' }],
  ['tushare.index_daily', { since: '1990-01-01', until: '2024-01-10' }],
  ['ndl.SHARADAR.SEP', { since: '2023-01-01', until: '2024-01-10' }],
  ['ndl.LBMA.GOLD', { until: '2024-01-10' }],
];

const ctx = () =>
  context({
    keys: {
      'tushare.stock_basic': [{ key: 'A', from: '2020-05-01' }, { key: 'B' }],
      'tushare.index_basic': [{ key: 'I', from: '2005-04-08' }],
    },
  });

describe('planArgs', () => {
  it.each(cases)(
    '%s: counts exactly what generateArgs yields, without making it',
    async (id, options) => {
      const source = catalog(id);
      const plan = await planArgs(source, ctx(), options);
      const args = await collect(generateArgs(source, ctx(), options));
      expect(plan.requests).toBe(args.length);
      expect(plan.byApi).toEqual(args.length === 0 ? {} : { [source.api]: args.length });
    },
  );

  it('reports the range and the keys it read, and adds plans up by interface', async () => {
    const income = await planArgs(catalog('tushare.income'), ctx(), {
      since: '2023-01-01',
      until: '2024-01-10',
    });
    // Keys A and B, listed all of 2023: 4 quarter ends each, × 12 report types.
    expect(income).toEqual({
      sourceId: 'tushare.income',
      requests: 96,
      byApi: { income: 96 },
      range: { start: '2023-01-01', end: '2024-01-10' },
      keys: 2,
    });
    const daily = await planArgs(catalog('tushare.daily'), ctx(), {
      since: '2024-01-01',
      until: '2024-01-12',
    });
    expect(mergePlans([income, daily, daily])).toEqual({
      requests: 114,
      byApi: { income: 96, daily: 18 },
    });
  });
});
