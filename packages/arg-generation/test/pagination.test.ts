import { describe, expect, it } from '@jest/globals';
import { createRequestArgs } from '@dsync/datasource';
import { nextPage } from '../src/index.js';
import { catalog } from './fixtures.js';

describe('nextPage', () => {
  const daily = catalog('tushare.daily');
  const first = createRequestArgs(
    'tushare.daily',
    'daily',
    { trade_date: '20240102', limit: 6000 },
    { window: { start: '2024-01-02', end: '2024-01-02' } },
  );

  it('asks for the next offset after a full Tushare page, keeping the window', () => {
    const second = nextPage(daily, first, { rows: 6000 });
    expect(second).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      params: { trade_date: '20240102', limit: 6000, offset: 6000 },
      key: 'daily?limit=6000&offset=6000&trade_date=20240102',
      window: { start: '2024-01-02', end: '2024-01-02' },
    });
    expect(nextPage(daily, second!, { rows: 6000 })?.params['offset']).toBe(12000);
  });

  it('stops after a short page', () => {
    expect(nextPage(daily, first, { rows: 5999 })).toBeUndefined();
    expect(nextPage(daily, first, { rows: 0 })).toBeUndefined();
  });

  it('follows the NDL cursor until it is null', () => {
    const sep = catalog('ndl.SHARADAR.SEP');
    const page = createRequestArgs(sep.id, sep.api, {
      'date.gte': '2024-01-02',
      'date.lte': '2024-01-02',
      'qopts.per_page': 10000,
    });
    expect(nextPage(sep, page, { rows: 10000, nextCursor: 'abc' })?.params).toEqual({
      'date.gte': '2024-01-02',
      'date.lte': '2024-01-02',
      'qopts.per_page': 10000,
      'qopts.cursor_id': 'abc',
    });
    expect(nextPage(sep, page, { rows: 10000, nextCursor: null })).toBeUndefined();
  });

  it('never continues a source without paging', () => {
    const gold = catalog('ndl.LBMA.GOLD');
    expect(
      nextPage(gold, createRequestArgs(gold.id, gold.api, {}), { rows: 100000, nextCursor: 'x' }),
    ).toBeUndefined();
  });
});
