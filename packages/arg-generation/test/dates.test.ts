import { describe, expect, it } from '@jest/globals';
import { addDays, dateWindows, formatDate, reportPeriods } from '../src/index.js';

describe('dateWindows', () => {
  it('cuts an inclusive range into windows of at most n days, the last one short', () => {
    expect([...dateWindows('2024-01-01', '2024-01-10', 4)]).toEqual([
      { start: '2024-01-01', end: '2024-01-04' },
      { start: '2024-01-05', end: '2024-01-08' },
      { start: '2024-01-09', end: '2024-01-10' },
    ]);
  });

  it('crosses month ends and leap days exactly', () => {
    expect([...dateWindows('20240227', '20240302', 2)]).toEqual([
      { start: '2024-02-27', end: '2024-02-28' },
      { start: '2024-02-29', end: '2024-03-01' },
      { start: '2024-03-02', end: '2024-03-02' },
    ]);
  });

  it('yields nothing for an empty range and rejects bad sizes and dates', () => {
    expect([...dateWindows('2024-01-02', '2024-01-01', 7)]).toEqual([]);
    expect(() => [...dateWindows('2024-01-01', '2024-01-02', 0)]).toThrow(
      'dateWindows: days must be a whole number ≥ 1, got 0',
    );
    expect(() => [...dateWindows('2024-13-01', '2024-12-31', 7)]).toThrow(
      'dateWindows start: expected a date as YYYY-MM-DD or YYYYMMDD, got "2024-13-01"',
    );
  });
});

describe('reportPeriods', () => {
  it('lists quarter ends inside the range', () => {
    expect([...reportPeriods('2023-02-01', '2024-06-30')]).toEqual([
      '2023-03-31',
      '2023-06-30',
      '2023-09-30',
      '2023-12-31',
      '2024-03-31',
      '2024-06-30',
    ]);
    expect([...reportPeriods('2020-01-01', '2022-12-31', [4, 2])]).toEqual([
      '2020-06-30',
      '2020-12-31',
      '2021-06-30',
      '2021-12-31',
      '2022-06-30',
      '2022-12-31',
    ]);
  });
});

describe('formatDate and addDays', () => {
  it('writes dates as each provider expects them', () => {
    expect(formatDate('2024-01-02', 'YYYYMMDD')).toBe('20240102');
    expect(formatDate('20240102', 'YYYY-MM-DD')).toBe('2024-01-02');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});
