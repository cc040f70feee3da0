import { describe, expect, it } from '@jest/globals';
import { isOpenDay, tradeCalendar } from '../src/index.js';

describe('the fake market calendar', () => {
  it('closes weekends and the fixed holidays', () => {
    expect(isOpenDay('2024-01-01')).toBe(false); // New Year's Day, a Monday
    expect(isOpenDay('2024-01-02')).toBe(true);
    expect(isOpenDay('2024-01-06')).toBe(false); // Saturday
    expect(isOpenDay('2024-10-07')).toBe(false);
    expect(isOpenDay('2024-10-08')).toBe(true);
    // Spring Festival: the week of the second Monday of February (2024-02-12 .. 16).
    expect(['2024-02-09', '2024-02-12', '2024-02-16', '2024-02-19'].map(isOpenDay)).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('answers trade_cal rows with the previous open day', () => {
    expect(tradeCalendar('SSE', '2023-12-29', '2024-01-03')).toEqual([
      { exchange: 'SSE', cal_date: '20231229', is_open: 1, pretrade_date: '20231228' },
      { exchange: 'SSE', cal_date: '20231230', is_open: 0, pretrade_date: '20231229' },
      { exchange: 'SSE', cal_date: '20231231', is_open: 0, pretrade_date: '20231229' },
      { exchange: 'SSE', cal_date: '20240101', is_open: 0, pretrade_date: '20231229' },
      { exchange: 'SSE', cal_date: '20240102', is_open: 1, pretrade_date: '20231229' },
      { exchange: 'SSE', cal_date: '20240103', is_open: 1, pretrade_date: '20240102' },
    ]);
  });

  it('has 248 open days in 2024: 262 weekdays less 14 holidays', () => {
    expect(
      tradeCalendar('SSE', '2024-01-01', '2024-12-31').filter((d) => d.is_open === 1),
    ).toHaveLength(248);
  });
});
