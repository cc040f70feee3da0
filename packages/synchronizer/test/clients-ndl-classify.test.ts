import { describe, expect, it } from '@jest/globals';
import type { HttpAnswer } from '../src/clients/http-exchange.js';
import {
  classifyNdlAnswer,
  classifyNdlError,
  NDL_WINDOW_MS,
  parseNdlCsvError,
} from '../src/clients/ndl-classify.js';
import { http, NOW } from './client-helpers.js';

// NOW is 05:00 in New York (EST): the quota day ends at 05:00 UTC the next day.
const NY_MIDNIGHT = '2024-03-07T05:00:00.000Z';

const envelope = (code: string, message = 'm'): string =>
  JSON.stringify({ quandl_error: { code, message } });
const classify = (code: string, status = 400, headers: HttpAnswer['headers'] = {}) =>
  classifyNdlAnswer(http(envelope(code), status, headers), NOW);

describe('classifyNdlError: by letter and number (reference §6)', () => {
  const rows: [string, number, unknown][] = [
    ['QELx01', 429, { kind: 'daily-limit', resetsAt: NY_MIDNIGHT }],
    ['QELx02', 429, { kind: 'daily-limit', resetsAt: NY_MIDNIGHT }],
    ['QELx03', 429, { kind: 'daily-limit', resetsAt: NY_MIDNIGHT }],
    ['QELx04', 429, { kind: 'too-frequent', retryAfterMs: NDL_WINDOW_MS }],
    ['QELx05', 429, { kind: 'too-frequent', retryAfterMs: NDL_WINDOW_MS }],
    ['QELx06', 422, { kind: 'bad-argument', message: 'QELx06 m', suspect: 'params' }],
    ['QELx07', 414, { kind: 'bad-argument', message: 'QELx07 m', suspect: 'params' }],
    ['QELx08', 413, { kind: 'bad-argument', message: 'QELx08 m', suspect: 'params' }],
    ['QELx09', 429, { kind: 'too-frequent' }],
    ['QEAx01', 400, { kind: 'auth', message: 'QEAx01 m' }],
    ['QEAx02', 422, { kind: 'auth', message: 'QEAx02 m' }],
    ['QEAx03', 403, { kind: 'auth', message: 'QEAx03 m' }],
    ['QEAx05', 401, { kind: 'auth', message: 'QEAx05 m' }],
    ['QEAx06', 429, { kind: 'auth', message: 'QEAx06 m' }],
    ['QEAx07', 202, { kind: 'auth', message: 'QEAx07 m' }],
    ['QEPx01', 401, { kind: 'permission', message: 'QEPx01 m' }],
    ['QEPx02', 403, { kind: 'permission', message: 'QEPx02 m' }],
    ['QEPx04', 403, { kind: 'permission', message: 'QEPx04 m' }],
    ['QEPx05', 403, { kind: 'permission', message: 'QEPx05 m' }],
    ['QEPx06', 403, { kind: 'permission', message: 'QEPx06 m' }],
    ['QESx02', 422, { kind: 'bad-argument', message: 'QESx02 m', suspect: 'params' }],
    ['QESx03', 422, { kind: 'bad-argument', message: 'QESx03 m', suspect: 'params' }],
    ['QESx09', 400, { kind: 'bad-argument', message: 'QESx09 m', suspect: 'params' }],
    ['QECx01', 400, { kind: 'bad-argument', message: 'QECx01 m', suspect: 'address' }],
    ['QECx02', 404, { kind: 'bad-argument', message: 'QECx02 m', suspect: 'api' }],
    ['QECx05', 404, { kind: 'bad-argument', message: 'QECx05 m', suspect: 'address' }],
    ['QEMx01', 500, { kind: 'transient', message: 'QEMx01 m' }],
    ['QEXx01', 503, { kind: 'transient', message: 'QEXx01 m' }],
    ['QEXx02', 502, { kind: 'transient', message: 'QEXx02 m' }],
    ['QEXx03', 500, { kind: 'transient', message: 'QEXx03 m' }],
    ['QEZx01', 400, { kind: 'unknown', message: 'QEZx01 m' }],
    ['E_WHAT', 400, { kind: 'unknown', message: 'E_WHAT m' }],
  ];

  it.each(rows)('%s (HTTP %d)', (code, status, expected) => {
    const classified = classify(code, status);
    expect(classified.outcome).toEqual(expected);
    expect(classified.detail).toBe(`${code} m`);
  });

  it('keeps the exact message in the detail', () => {
    const message = 'You have exceeded your 10-minute call limit as a registered user.';
    expect(classifyNdlError({ code: 'QELx04', message }, { now: NOW }).detail).toBe(
      `QELx04 ${message}`,
    );
  });

  it('lets the error code win over the HTTP status, even a 200', () => {
    expect(classify('QEAx01', 200).outcome.kind).toBe('auth');
    expect(classify('QECx02', 500).outcome.kind).toBe('bad-argument');
  });

  it('uses Retry-After when given: seconds or an HTTP date', () => {
    expect(classify('QELx04', 429, { 'retry-after': '30' }).outcome).toEqual({
      kind: 'too-frequent',
      retryAfterMs: 30_000,
    });
    expect(classify('QELx04', 429, { 'retry-after': '30' }).detail).toBe(
      'QELx04 m [Retry-After: 30 s]',
    );
    const at = new Date(NOW.getTime() + 90_000).toUTCString();
    expect(classify('QELx05', 429, { 'retry-after': at }).outcome).toEqual({
      kind: 'too-frequent',
      retryAfterMs: 90_000,
    });
    expect(classify('QELx02', 429, { 'retry-after': '3600' }).outcome).toEqual({
      kind: 'daily-limit',
      resetsAt: '2024-03-06T11:00:00.000Z',
    });
    expect(classify('QELx04', 429, { 'retry-after': 'soon' }).outcome).toEqual({
      kind: 'too-frequent',
      retryAfterMs: NDL_WINDOW_MS,
    });
  });

  it('resets a daily limit at midnight in New York, summer time included', () => {
    const summer = classifyNdlError(
      { code: 'QELx02', message: '' },
      { now: new Date('2024-07-01T12:00:00Z') },
    );
    expect(summer.outcome).toEqual({ kind: 'daily-limit', resetsAt: '2024-07-02T04:00:00.000Z' });
  });
});

describe('NDL CSV error bodies', () => {
  const quandlCode =
    'You have submitted an incorrect Quandl code. Please check your Quandl codes and try again.';

  it('parses the observed body', () => {
    expect(parseNdlCsvError(`code,message\nQECx02,${quandlCode}\n`)).toEqual({
      code: 'QECx02',
      message: quandlCode,
    });
  });

  it('parses quoted fields, CRLF and a BOM', () => {
    expect(parseNdlCsvError('\uFEFFcode,message\r\n"QELx04","Limit, ""10-minute"""\r\n')).toEqual({
      code: 'QELx04',
      message: 'Limit, "10-minute"',
    });
  });

  it('is not fooled by a data CSV or half a body', () => {
    expect(parseNdlCsvError('Date,Value\n2024-01-02,1.5\n')).toBeUndefined();
    expect(parseNdlCsvError('code,message\n')).toBeUndefined();
    expect(parseNdlCsvError('code,message\nfoo,bar\n')).toBeUndefined();
  });

  it('classifies a CSV error like the JSON one', () => {
    const answer = http(`code,message\nQECx02,${quandlCode}\n`, 404);
    expect(classifyNdlAnswer(answer, NOW)).toEqual({
      outcome: { kind: 'bad-argument', message: `QECx02 ${quandlCode}`, suspect: 'api' },
      detail: `QECx02 ${quandlCode}`,
    });
    const limited = http('code,message\nQELx02,You have exceeded your daily call limit.\n', 429);
    expect(classifyNdlAnswer(limited, NOW).outcome).toEqual({
      kind: 'daily-limit',
      resetsAt: NY_MIDNIGHT,
    });
  });
});
