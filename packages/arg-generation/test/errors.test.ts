import { describe, expect, it } from '@jest/globals';
import type { RequestArgs } from '@dsync/datasource';
import {
  ArgGenerationError,
  createMemoryContext,
  generateArgs,
  planArgs,
  type ArgContext,
} from '../src/index.js';
import { catalog, context, variant } from './fixtures.js';

/** Pulls from a stream and returns what came before the error, and the error. */
async function failure(
  stream: AsyncIterable<RequestArgs>,
): Promise<{ yielded: number; error: ArgGenerationError }> {
  let yielded = 0;
  try {
    for await (const _ of stream) yielded++;
  } catch (error) {
    expect(error).toBeInstanceOf(ArgGenerationError);
    return { yielded, error: error as ArgGenerationError };
  }
  throw new Error('expected an ArgGenerationError');
}

describe('generateArgs: bad input names the source and the reason, and yields nothing', () => {
  it('since after until', async () => {
    const { yielded, error } = await failure(
      generateArgs(catalog('tushare.daily'), context(), {
        since: '2024-02-01',
        until: '2024-01-10',
      }),
    );
    expect(yielded).toBe(0);
    expect(error.code).toBe('E_BAD_RANGE');
    expect(error.sourceId).toBe('tushare.daily');
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.daily": since 2024-02-01 is after until 2024-01-10',
    );
  });

  it('a date that is not one', async () => {
    const { error } = await failure(
      generateArgs(catalog('tushare.daily'), context(), { since: '2024-02-30' }),
    );
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.daily": since "2024-02-30" is not a date (YYYY-MM-DD or YYYYMMDD)',
    );
  });

  it('no start at all', async () => {
    const noSince = variant('tushare.daily', { sync: {} });
    const { error } = await failure(generateArgs(noSince, context(), { until: '2024-01-10' }));
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.daily": nothing is stored and the source has no sync.since: set one, or pass since',
    );
  });

  it('an unknown calendar or exchange', async () => {
    const szse = variant('tushare.daily', {
      args: { kind: 'trade-calendar', param: 'trade_date', exchange: 'SZSE' },
    });
    const { yielded, error } = await failure(
      generateArgs(szse, context(), { since: '2024-01-02', until: '2024-01-10' }),
    );
    expect(yielded).toBe(0);
    expect(error.code).toBe('E_CALENDAR');
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.daily": no calendar of tushare.trade_cal (exchange SZSE) is stored: sync tushare.trade_cal first, or check the exchange',
    );
  });

  it('a stored calendar that does not reach until', async () => {
    const { error } = await failure(
      generateArgs(catalog('tushare.daily'), context(), {
        since: '2024-01-02',
        until: '2024-01-20',
      }),
    );
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.daily": the stored calendar of tushare.trade_cal (exchange SSE) covers 2023-12-01..2024-01-12, not 2024-01-02..2024-01-20: sync tushare.trade_cal first',
    );
  });

  it('a fan-out whose key source has nothing stored', async () => {
    const empty: ArgContext = createMemoryContext({});
    const { yielded, error } = await failure(
      generateArgs(catalog('tushare.income'), empty, { since: '2023-01-01', until: '2024-01-10' }),
    );
    expect(yielded).toBe(0);
    expect(error.code).toBe('E_MISSING_DEPENDENCY');
    expect(error.message).toBe(
      'Cannot generate requests for "tushare.income": its keys come from tushare.stock_basic, which has nothing stored: sync it first',
    );
  });

  it('a window that cannot fit under the cap', async () => {
    const tooDense = variant('ndl.SHARADAR.SEP', {
      args: {
        kind: 'date-window',
        startParam: 'date.gte',
        endParam: 'date.lte',
        rowsPerDay: 12000,
      },
    });
    const { error } = await failure(
      generateArgs(tooDense, context(), { since: '2024-01-01', until: '2024-01-03' }),
    );
    expect(error.code).toBe('E_WINDOW');
    expect(error.message).toBe(
      'Cannot generate requests for "ndl.SHARADAR.SEP": a one-day window holds about 12000 rows, more than the row cap of 10000; page within the day, or lower rowsPerDay',
    );
    await expect(
      planArgs(tooDense, context(), { since: '2024-01-01', until: '2024-01-03' }),
    ).rejects.toMatchObject({ code: 'E_WINDOW' });
  });
});
