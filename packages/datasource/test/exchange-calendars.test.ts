import { describe, expect, it } from '@jest/globals';
import { exchangeOpenDays, isExchangeOpen } from '../src/index.js';

/** The weekdays of a year the calendar closes. */
const closedWeekdays = (year: number) => {
  const weekdays = exchangeOpenDays('weekdays', `${year}-01-01`, `${year}-12-31`);
  const open = new Set(exchangeOpenDays('XNYS', `${year}-01-01`, `${year}-12-31`));
  return weekdays.filter((d) => !open.has(d));
};

describe('the NYSE calendar (XNYS)', () => {
  // The holidays the NYSE published for each year, as observed.
  it.each([
    [
      2021,
      [
        '2021-01-01',
        '2021-01-18',
        '2021-02-15',
        '2021-04-02',
        '2021-05-31',
        '2021-07-05',
        '2021-09-06',
        '2021-11-25',
        '2021-12-24',
      ],
      252,
    ],
    [
      2022,
      [
        '2022-01-17',
        '2022-02-21',
        '2022-04-15',
        '2022-05-30',
        '2022-06-20',
        '2022-07-04',
        '2022-09-05',
        '2022-11-24',
        '2022-12-26',
      ],
      251,
    ],
    [
      2023,
      [
        '2023-01-02',
        '2023-01-16',
        '2023-02-20',
        '2023-04-07',
        '2023-05-29',
        '2023-06-19',
        '2023-07-04',
        '2023-09-04',
        '2023-11-23',
        '2023-12-25',
      ],
      250,
    ],
    [
      2024,
      [
        '2024-01-01',
        '2024-01-15',
        '2024-02-19',
        '2024-03-29',
        '2024-05-27',
        '2024-06-19',
        '2024-07-04',
        '2024-09-02',
        '2024-11-28',
        '2024-12-25',
      ],
      252,
    ],
  ])('closes on the holidays of %i and trades on the rest', (year, holidays, tradingDays) => {
    expect(closedWeekdays(year)).toEqual(holidays);
    expect(exchangeOpenDays('XNYS', `${year}-01-01`, `${year}-12-31`)).toHaveLength(tradingDays);
  });

  it('keeps the special closings: 9/11, Hurricane Sandy, presidents’ funerals', () => {
    for (const day of ['2001-09-11', '2001-09-14', '2012-10-29', '2018-12-05', '2025-01-09'])
      expect([day, isExchangeOpen('XNYS', day)]).toEqual([day, false]);
    // No Martin Luther King Jr. Day before 1998.
    expect(isExchangeOpen('XNYS', '1997-01-20')).toBe(true);
    expect(isExchangeOpen('XNYS', '1998-01-19')).toBe(false);
  });

  it('has weekdays as a calendar without holidays', () => {
    expect(exchangeOpenDays('weekdays', '2024-12-23', '2024-12-29')).toEqual([
      '2024-12-23',
      '2024-12-24',
      '2024-12-25',
      '2024-12-26',
      '2024-12-27',
    ]);
  });
});
