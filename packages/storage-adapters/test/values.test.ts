import { describe, expect, it } from '@jest/globals';
import { BatchRejectedError, toStoredRows } from '../src/index.js';
import { batch, EVERY_TYPE } from './knex-fixtures.js';

const one = (cells: Record<string, unknown>) =>
  toStoredRows(batch('test.types', Object.keys(cells), [Object.values(cells)]), EVERY_TYPE)[0];

describe('toStoredRows', () => {
  it('converts each type to its stored form', () => {
    expect(
      one({
        code: 1,
        day: '20240229',
        n: '7',
        ratio: '0.5',
        amount: 1e-7,
        at: '2024-01-02 15:00:00',
        flag: 'Y',
        extra: [1],
      }),
    ).toEqual({
      code: '1',
      day: '2024-02-29',
      n: 7,
      ratio: 0.5,
      amount: '0.0000',
      at: '2024-01-02T15:00:00.000Z',
      flag: true,
      extra: '[1]',
    });
  });

  it('reads a datetime strictly: ISO forms with their offset, nothing a lenient parser would guess', () => {
    const at = (text: string) => one({ code: 'a', day: '20240102', at: text })?.['at'];
    expect(at('2024-01-02T03:04:05+08:00')).toBe('2024-01-01T19:04:05.000Z');
    expect(at('2024-01-02T03:04:05.1239Z')).toBe('2024-01-02T03:04:05.123Z');
    expect(at('2024-01-02 03:04')).toBe('2024-01-02T03:04:00.000Z');
    expect(at('2024-01-02')).toBe('2024-01-02T00:00:00.000Z');
    expect(at('2024-03-10T01:00:00-0530')).toBe('2024-03-10T06:30:00.000Z');
    for (const text of [
      '12',
      '0',
      '2024-02-30',
      '2024-01-02T25:00',
      '2024-01-02T03:60',
      'Jan 2 2024',
    ])
      expect(() => at(text)).toThrow(`expected a date and time, got ${JSON.stringify(text)}`);
  });

  it('rounds decimals to their scale, half away from zero, exactly', () => {
    expect(one({ code: 'a', day: '20240102', amount: '-1.23455' })?.['amount']).toBe('-1.2346');
    expect(
      one({ code: 'a', day: '20240102', amount: '12345678901234567890.12345' })?.['amount'],
    ).toBe('12345678901234567890.1235');
  });

  it.each([
    [{ code: 'a', day: '20240230' }, 0, 'day', 'no such date: "20240230"'],
    [{ code: 'a', day: '20240102', n: 1.5 }, 0, 'n', 'expected a whole number, got 1.5'],
    [
      { code: 'a', day: '20240102', amount: '1e30' },
      0,
      'amount',
      'has more digits than decimal(24, 4) holds',
    ],
    [{ code: null, day: '20240102' }, 0, 'code', 'missing, but required'],
    [{ code: 'a', day: '20240102', flag: 'maybe' }, 0, 'flag', 'expected a boolean, got "maybe"'],
    [{ code: 'a', day: '20240102', nope: 1 }, 0, 'nope', 'not a field of the source'],
  ])('rejects %j naming row %i, field %s', (cells, row, field, reason) => {
    let error: unknown;
    try {
      one(cells);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BatchRejectedError);
    expect(error).toMatchObject({ code: 'E_BAD_ROW', sourceId: 'test.types', row, field });
    expect((error as Error).message).toContain(reason);
  });
});
