import { describe, expect, it } from '@jest/globals';
import type { HttpAnswer } from '../src/clients/http-exchange.js';
import { classifyNdlAnswer } from '../src/clients/ndl-classify.js';
import { http, NOW } from './client-helpers.js';

/** NDL answers without an error envelope, and the success shapes (series, tables, cursor). */

describe('NDL answers without an error envelope', () => {
  const cases: [string, HttpAnswer, string, string][] = [
    [
      'a bare 403',
      http('Forbidden', 403),
      'unknown',
      'HTTP 403: a body that is not JSON: "Forbidden"',
    ],
    [
      'a JSON 403 without envelope',
      http('{"message":"Something went wrong"}', 403),
      'unknown',
      'HTTP 403: JSON that is not an NDL answer',
    ],
    [
      'a WAF’s HTML 400',
      http('<html><title>Incapsula incident</title></html>', 400),
      'unknown',
      'HTTP 400: an HTML page ("Incapsula incident")',
    ],
    [
      'a 410 without body',
      http('', 410),
      'bad-argument',
      'HTTP 410: an empty body (the dataset is gone)',
    ],
    [
      'an HTML 502',
      http('<html><title>502 Bad Gateway</title></html>', 502),
      'transient',
      'HTTP 502: an HTML page',
    ],
    ['an empty 500', http('', 500), 'transient', 'HTTP 500: an empty body'],
    ['an empty 200', http(''), 'transient', 'HTTP 200: an empty body'],
    [
      'truncated JSON',
      http('{"dataset_data":{"column_names":["Date"'),
      'transient',
      'HTTP 200: truncated JSON',
    ],
    [
      'malformed JSON',
      http('{"dataset_data":{"column_names"}{]'),
      'transient',
      'HTTP 200: malformed JSON',
    ],
    [
      'JSON of another API',
      http('{"dataset":{"id":1}}'),
      'transient',
      'HTTP 200: JSON that is not an NDL answer',
    ],
    ['a redirect', http('', 302), 'unknown', 'HTTP 302: an empty body'],
  ];

  it.each(cases)('%s', (_name, answer, kind, detail) => {
    const classified = classifyNdlAnswer(answer, NOW);
    expect(classified.outcome.kind).toBe(kind);
    expect(classified.detail?.startsWith(detail)).toBe(true);
  });

  it('treats a bare 429 as too-frequent, waiting what Retry-After says', () => {
    expect(classifyNdlAnswer(http('', 429), NOW).outcome).toEqual({ kind: 'too-frequent' });
    expect(
      classifyNdlAnswer(http('Too Many Requests', 429, { 'retry-after': '12' }), NOW).outcome,
    ).toEqual({
      kind: 'too-frequent',
      retryAfterMs: 12_000,
    });
  });
});

describe('NDL success answers', () => {
  const data = [
    ['2024-01-03', 2040.5, null],
    ['2024-01-02', 2050, 2051.25],
  ];

  it('reads dataset_data and the dataset view', () => {
    const body = {
      dataset_data: { column_names: ['Date', 'USD (AM)', 'USD (PM)'], data, order: 'desc' },
    };
    expect(classifyNdlAnswer(http(` ${JSON.stringify(body)}\n`), NOW)).toEqual({
      outcome: { kind: 'rows', rows: 2 },
      remoteColumns: ['Date', 'USD (AM)', 'USD (PM)'],
      rows: data,
    });
    const view = { dataset: { id: 1, column_names: ['Date', 'A', 'B'], data } };
    expect(classifyNdlAnswer(http(JSON.stringify(view)), NOW).outcome).toEqual({
      kind: 'rows',
      rows: 2,
    });
  });

  it('reads a datatable with its cursor', () => {
    const table = (cursor: unknown, rows: unknown[] = [['AAB', '2024-01-02']]) =>
      http(
        JSON.stringify({
          datatable: {
            data: rows,
            columns: [
              { name: 'ticker', type: 'String' },
              { name: 'date', type: 'Date' },
            ],
          },
          meta: { next_cursor_id: cursor },
        }),
      );
    expect(classifyNdlAnswer(table('c2'), NOW)).toMatchObject({
      outcome: { kind: 'rows', rows: 1 },
      remoteColumns: ['ticker', 'date'],
      nextCursor: 'c2',
    });
    expect(classifyNdlAnswer(table(null), NOW).nextCursor).toBeNull();
    expect(classifyNdlAnswer(table(17), NOW).nextCursor).toBe('17');
    expect(classifyNdlAnswer(table(null, []), NOW)).toEqual({
      outcome: { kind: 'empty' },
      nextCursor: null,
    });
  });

  it('answers transient when rows do not fit the columns (the official client’s check)', () => {
    const body = { dataset_data: { column_names: ['Date', 'Value'], data: [['2024-01-02']] } };
    expect(classifyNdlAnswer(http(JSON.stringify(body)), NOW).outcome.kind).toBe('transient');
    const table = { datatable: { data: [['x']], columns: [{ type: 'String' }] }, meta: {} };
    expect(classifyNdlAnswer(http(JSON.stringify(table)), NOW).outcome.kind).toBe('transient');
  });
});
