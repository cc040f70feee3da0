import { describe, expect, it } from '@jest/globals';
import { zonedInstant } from '@dsync/datasource';
import { calendarFromDays, cursorAfterSync, freshnessOf, timingOf } from '../src/index.js';
import { catalog, context, JANUARY_OPEN, variant } from './fixtures.js';

const calendar = calendarFromDays('2023-12-01', '2024-01-12', JANUARY_OPEN);
const at = (iso: string) => new Date(iso);

describe('zonedInstant: a local time in a zone', () => {
  it('reads Shanghai (no daylight saving) and New York on both sides of its clock change', () => {
    expect(new Date(zonedInstant('2024-01-10', '20:00', 'Asia/Shanghai')).toISOString()).toBe(
      '2024-01-10T12:00:00.000Z',
    );
    // EST (UTC-5) before 2024-03-10, EDT (UTC-4) after.
    expect(new Date(zonedInstant('2024-03-08', '09:00', 'America/New_York')).toISOString()).toBe(
      '2024-03-08T14:00:00.000Z',
    );
    expect(new Date(zonedInstant('2024-03-11', '09:00', 'America/New_York')).toISOString()).toBe(
      '2024-03-11T13:00:00.000Z',
    );
  });
});

describe('timingOf: when days are published and settle', () => {
  const daily = catalog('tushare.daily');

  it('publishes a trade day from 15:00 Shanghai, and settles it at 20:00 of the next open day', () => {
    const before = timingOf(daily, { now: at('2024-01-10T06:59:00Z'), calendar });
    expect(before.latestPublished).toBe('2024-01-09');
    const after = timingOf(daily, { now: at('2024-01-10T07:00:00Z'), calendar });
    expect(after.latestPublished).toBe('2024-01-10');
    // Friday's bars settle with Monday's evening data.
    expect(after.settlesAt('2024-01-05')).toBe('2024-01-08T12:00:00.000Z');
    expect(after.settlesAt('2024-01-09')).toBe('2024-01-10T12:00:00.000Z');
    // The stored calendar ends on the 12th: the next open day is not known, only that it
    // comes within 16 days (no exchange closes longer).
    expect(after.settlesAt('2024-01-12')).toBe('2024-01-28T12:00:00.000Z');
  });

  it('moves the last settled day as each next open day’s data is out', () => {
    const settled = (now: string) =>
      timingOf(daily, { now: at(now), calendar }).settledThrough('2024-01-12');
    // Before Wednesday 20:00 Shanghai, Tuesday (the 9th) may still change.
    expect(settled('2024-01-10T11:59:00Z')).toBe('2024-01-08');
    expect(settled('2024-01-10T12:00:00Z')).toBe('2024-01-09');
    // Over the weekend: Friday settles with Monday's data (the weekend days with it).
    expect(settled('2024-01-08T11:59:00Z')).toBe('2024-01-04');
    expect(settled('2024-01-08T12:00:00Z')).toBe('2024-01-07');
    // Never past the range's end.
    expect(
      timingOf(daily, { now: at('2024-01-12T12:00:00Z'), calendar }).settledThrough('2024-01-05'),
    ).toBe('2024-01-05');
  });

  it('counts trading days as weekdays without a calendar', () => {
    const timing = timingOf(daily, { now: at('2024-01-10T12:00:00Z') });
    expect(timing.settlesAt('2024-01-05')).toBe('2024-01-08T12:00:00.000Z');
  });

  it('publishes an NDL table day a day late, and settles it a day after that', () => {
    const sep = catalog('ndl.SHARADAR.SEP');
    // Thursday 2024-03-07: out by Friday 09:00 New York (EST), settled Saturday 09:00.
    const timing = timingOf(sep, { now: at('2024-03-08T13:59:00Z') });
    expect(timing.latestPublished).toBe('2024-03-07');
    expect(timing.settlesAt('2024-03-07')).toBe('2024-03-09T14:00:00.000Z');
    expect(timing.settledThrough('2024-03-07')).toBe('2024-03-05');
    expect(timingOf(sep, { now: at('2024-03-08T04:59:00Z') }).latestPublished).toBe('2024-03-06');
  });

  it('settles a report period three months after its deadline’s filings are out', () => {
    const income = catalog('tushare.income');
    const timing = timingOf(income, { now: at('2024-08-01T13:00:00Z') });
    // Q1 2024: due 2024-04-30, out by 21:00 on May 1, settled three months later.
    expect(timing.settlesAt('2024-03-31')).toBe('2024-08-01T13:00:00.000Z');
    expect(timing.isSettled('2024-03-31')).toBe(true);
    // The annual report of 2023 is due by 2024-04-30 as well.
    expect(timing.settlesAt('2023-12-31')).toBe('2024-08-01T13:00:00.000Z');
    // Every day through the day before the next unsettled quarter end.
    expect(timing.settledThrough('2024-07-31')).toBe('2024-06-29');
    // A minute before, the periods due by 2024-04-30 are open again: the next sync starts at
    // 2023-12-31.
    expect(timingOf(income, { now: at('2024-08-01T12:59:00Z') }).settledThrough('2024-07-31')).toBe(
      '2023-12-30',
    );
  });

  it('treats a day as final once published when the source says it never changes', () => {
    const timing = timingOf(variant('tushare.daily', { publication: { settle: 0 } }), {
      now: at('2024-01-10T12:00:00Z'),
      calendar,
    });
    expect(timing.settlesAt('2024-01-10')).toBe('2024-01-10T12:00:00.000Z');
    expect(timing.settledThrough('2024-01-10')).toBe('2024-01-10');
  });
});

describe('cursorAfterSync: where a finished sync leaves the cursor', () => {
  const daily = catalog('tushare.daily');

  it('stops at the last settled day, never at the end of what was asked', async () => {
    const cursor = await cursorAfterSync(daily, context(), {
      state: { cursor: '2024-01-05' },
      now: at('2024-01-10T10:00:00Z'),
    });
    // The 9th settles at 20:00 on the 10th; the 10th is asked, not settled.
    expect(cursor).toBe('2024-01-08');
  });

  it('does not move before the range it was asked for', async () => {
    expect(
      await cursorAfterSync(daily, context(), {
        since: '2024-01-10',
        now: at('2024-01-10T10:00:00Z'),
      }),
    ).toBe('2024-01-09');
  });

  it('takes a whole historical range at once', async () => {
    expect(
      await cursorAfterSync(daily, context(), {
        since: '2024-01-02',
        until: '2024-01-05',
        now: at('2024-01-12T00:00:00Z'),
      }),
    ).toBe('2024-01-05');
  });

  it('leaves a snapshot on the day it was taken', async () => {
    expect(
      await cursorAfterSync(catalog('tushare.stock_basic'), context(), {
        now: at('2024-01-10T10:00:00Z'),
      }),
    ).toBe('2024-01-10');
  });
});

describe('freshnessOf: how far behind the provider a table is', () => {
  const daily = catalog('tushare.daily');

  it('counts the trading days out (past publication.by) that are not stored', async () => {
    // Thursday the 11th, 21:00 Shanghai: the 11th is out; stored through Monday the 8th.
    const late = await freshnessOf(daily, context(), '2024-01-08', at('2024-01-11T13:00:00Z'));
    expect(late).toEqual({
      latestPublished: '2024-01-11',
      latestExpected: '2024-01-11',
      behind: 3,
      unit: 'trading days',
    });
    // At 19:59 the 11th may still be coming: behind by the 9th and 10th only.
    const before = await freshnessOf(daily, context(), '2024-01-08', at('2024-01-11T11:59:00Z'));
    expect(before?.behind).toBe(2);
    // Over a weekend nothing new is due: stored through Friday is current on Sunday.
    const weekend = await freshnessOf(daily, context(), '2024-01-05', at('2024-01-07T13:00:00Z'));
    expect([weekend?.behind, weekend?.latestExpected]).toEqual([0, '2024-01-05']);
  });

  it('counts report periods whose deadline has passed', async () => {
    const income = catalog('tushare.income');
    // 2024-05-03: the annual 2023 and Q1 2024 reports were due by April 30.
    const state = await freshnessOf(income, context(), '2023-09-30', at('2024-05-03T00:00:00Z'));
    expect(state).toMatchObject({ behind: 2, unit: 'periods', latestExpected: '2024-03-31' });
  });

  it('counts NYSE open days for an NDL table, none for a source without a grid', async () => {
    const sep = catalog('ndl.SHARADAR.SEP');
    // Monday 2024-07-08 10:00 New York: Friday's rows are out; July 4 was a holiday.
    const state = await freshnessOf(sep, context(), '2024-07-02', at('2024-07-08T14:00:00Z'));
    expect(state).toEqual({
      latestPublished: '2024-07-07',
      latestExpected: '2024-07-05',
      behind: 2,
      unit: 'open days',
    });
    expect(await freshnessOf(catalog('tushare.trade_cal'), context(), undefined)).toBeUndefined();
  });
});

describe('freshnessOf past the stored calendar', () => {
  it('counts weekdays for the days the stored calendar does not reach yet', async () => {
    // The calendar ends on Friday the 12th; on Wednesday the 17th, 21:00 Shanghai, the 15th
    // to the 17th are out too.
    const state = await freshnessOf(
      catalog('tushare.daily'),
      context(),
      '2024-01-10',
      at('2024-01-17T13:00:00Z'),
    );
    expect([state?.behind, state?.latestExpected]).toEqual([5, '2024-01-17']);
  });
});
