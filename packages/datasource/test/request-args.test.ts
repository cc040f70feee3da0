import { describe, expect, it } from '@jest/globals';
import { argsKey, batchIdempotencyKey, createRequestArgs } from '../src/index.js';

describe('argsKey', () => {
  it('is the api and its parameters sorted by name, query-encoded', () => {
    expect(argsKey('daily', { trade_date: '20240102' })).toBe('daily?trade_date=20240102');
    expect(argsKey('income', { period: '20231231', ts_code: '000001.SZ' })).toBe(
      'income?period=20231231&ts_code=000001.SZ',
    );
    expect(argsKey('stock_basic', {})).toBe('stock_basic');
  });

  it('does not depend on the order parameters were set in', () => {
    expect(argsKey('daily', { start_date: '20240101', end_date: '20240131' })).toBe(
      argsKey('daily', { end_date: '20240131', start_date: '20240101' }),
    );
  });

  it('encodes separators so two different requests never share a key', () => {
    expect(argsKey('x', { a: '1&b=2' })).toBe('x?a=1%26b%3D2');
    expect(argsKey('x', { a: '1&b=2' })).not.toBe(argsKey('x', { a: '1', b: '2' }));
    expect(argsKey('datatables/SHARADAR/SEP', { 'date.gte': '2024-01-01' })).toBe(
      'datatables/SHARADAR/SEP?date.gte=2024-01-01',
    );
  });
});

describe('createRequestArgs', () => {
  it('computes the key and freezes the args', () => {
    const args = createRequestArgs(
      'tushare.daily',
      'daily',
      { trade_date: '20240102' },
      { window: { start: '2024-01-02', end: '2024-01-02' } },
    );
    expect(args).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      params: { trade_date: '20240102' },
      key: 'daily?trade_date=20240102',
      window: { start: '2024-01-02', end: '2024-01-02' },
    });
    expect(Object.isFrozen(args) && Object.isFrozen(args.params)).toBe(true);
  });

  it('keys a snapshot by the day it is taken as of', () => {
    const args = createRequestArgs(
      'tushare.stock_basic',
      'stock_basic',
      { list_status: 'L' },
      { asOf: '2024-03-05' },
    );
    expect(args.key).toBe('stock_basic?list_status=L@2024-03-05');
    expect(args.asOf).toBe('2024-03-05');
  });
});

describe('batchIdempotencyKey', () => {
  it('joins source, args key and page', () => {
    expect(
      batchIdempotencyKey({
        sourceId: 'tushare.daily',
        argsKey: 'daily?trade_date=20240102',
        page: 2,
      }),
    ).toBe('tushare.daily|daily?trade_date=20240102|2');
  });
});
