import { describe, expect, it } from '@jest/globals';
import type { Field } from '@dsync/datasource';
import { planColumns, projectRows, remoteNames } from '../src/clients/columns.js';
import { readJsonBody } from '../src/clients/json-body.js';
import { redact, redactResult } from '../src/clients/redact.js';
import { nextMidnight } from '../src/clients/reset-time.js';
import { retryAfterMs } from '../src/clients/retry-after.js';

/** The clients' small pure helpers. */

describe('readJsonBody', () => {
  it('parses JSON with whitespace and a BOM around it', () => {
    expect(readJsonBody('\uFEFF \n{"a":1}\r\n')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('tells a cut-off body from a broken one', () => {
    expect(readJsonBody('{"a":[1,2')).toEqual({ ok: false, problem: 'truncated JSON' });
    expect(readJsonBody('{"a":"x\\"y')).toEqual({ ok: false, problem: 'truncated JSON' });
    expect(readJsonBody('{"a":[1}')).toEqual({ ok: false, problem: 'malformed JSON' });
    expect(readJsonBody('{"a":1}}')).toEqual({ ok: false, problem: 'malformed JSON' });
    expect(readJsonBody('{"a":01}')).toEqual({ ok: false, problem: 'malformed JSON' });
  });

  it('names what a body is when it is not JSON', () => {
    expect(readJsonBody('')).toEqual({ ok: false, problem: 'an empty body' });
    expect(readJsonBody('<p>x</p>')).toEqual({ ok: false, problem: 'an HTML page' });
    expect(readJsonBody('Forbidden')).toEqual({
      ok: false,
      problem: 'a body that is not JSON: "Forbidden"',
    });
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2024-03-06T10:00:00.000Z');

  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(['5', '9'], now)).toBe(5_000);
    expect(retryAfterMs('Wed, 06 Mar 2024 10:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Wed, 06 Mar 2024 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('redact', () => {
  it('masks raw and URL-encoded secrets, and leaves other text alone', () => {
    expect(redact('a s/e+c b s%2Fe%2Bc', ['s/e+c'])).toBe('a *** b ***');
    expect(redact('nothing here', ['secret', ''])).toBe('nothing here');
  });

  it('masks a result’s detail and outcome message', () => {
    const result = redactResult(
      { outcome: { kind: 'unknown', message: 'x secret' }, detail: 'secret y', status: 500 },
      ['secret'],
    );
    expect(result).toEqual({
      outcome: { kind: 'unknown', message: 'x ***' },
      detail: '*** y',
      status: 500,
    });
  });
});

describe('column mapping', () => {
  const fields = [
    { name: 'date', type: 'date', nullable: false, from: 'Date' },
    { name: 'usd_am', type: 'float', nullable: true, from: 'USD (AM)' },
    { name: 'note', type: 'string', nullable: true },
  ] as Field[];

  it('maps remote names through `from` and drops the unknown', () => {
    expect(remoteNames(fields)).toEqual(['Date', 'USD (AM)', 'note']);
    const plan = planColumns(['Date', 'EXTRA', 'USD (AM)'], fields);
    expect(plan).toEqual({ names: ['date', 'usd_am'], picks: [0, 2], dropped: ['EXTRA'] });
    expect(projectRows([['d', 1, 2]], plan)).toEqual([['d', 2]]);
  });

  it('hands the same rows back when every column is kept in place', () => {
    const rows = [['d', 1]];
    expect(projectRows(rows, planColumns(['Date', 'USD (AM)'], fields))).toBe(rows);
  });
});

describe('nextMidnight', () => {
  it('follows daylight saving time in New York', () => {
    // Winter: UTC-5. Summer: UTC-4. 2024-03-10 is the spring-forward day.
    expect(nextMidnight('America/New_York', new Date('2024-01-15T12:00:00Z')).toISOString()).toBe(
      '2024-01-16T05:00:00.000Z',
    );
    expect(nextMidnight('America/New_York', new Date('2024-07-01T03:59:00Z')).toISOString()).toBe(
      '2024-07-01T04:00:00.000Z',
    );
    expect(nextMidnight('America/New_York', new Date('2024-03-10T12:00:00Z')).toISOString()).toBe(
      '2024-03-11T04:00:00.000Z',
    );
    // 23:00 EDT on the eve of fall-back, then 07:00 EST on the fall-back day.
    expect(nextMidnight('America/New_York', new Date('2024-11-03T03:00:00Z')).toISOString()).toBe(
      '2024-11-03T04:00:00.000Z',
    );
    expect(nextMidnight('America/New_York', new Date('2024-11-03T12:00:00Z')).toISOString()).toBe(
      '2024-11-04T05:00:00.000Z',
    );
  });
});
