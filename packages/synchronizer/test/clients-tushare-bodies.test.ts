import { describe, expect, it } from '@jest/globals';
import type { HttpAnswer } from '../src/clients/http-exchange.js';
import { classifyTushareAnswer } from '../src/clients/tushare-classify.js';
import { http, NOW, tushareEnvelope as envelope } from './client-helpers.js';

/** Answers that are not Tushare's envelope: proxies, WAFs, cut connections, wrong URLs. */

describe('classifyTushareAnswer: bodies that are not the API’s', () => {
  const html502 =
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body></html>';
  const good = envelope(0, '', { fields: ['a'], items: [['x'], ['y']] });
  const cases: [string, HttpAnswer, string, string][] = [
    ['an empty 200', http(''), 'transient', 'HTTP 200: an empty body'],
    ['a blank 200', http('  \n '), 'transient', 'HTTP 200: an empty body'],
    ['an HTML 502', http(html502, 502), 'transient', 'HTTP 502: an HTML page ("502 Bad Gateway")'],
    ['an HTML 200', http('<!doctype html><p>login</p>'), 'transient', 'HTTP 200: an HTML page'],
    [
      'a plain-text 403',
      http('Forbidden', 403),
      'transient',
      'HTTP 403: a body that is not JSON: "Forbidden"',
    ],
    ['truncated JSON', http(good.slice(0, 40)), 'transient', 'HTTP 200: truncated JSON'],
    ['truncated in a string', http('{"code":0,"msg":"ab'), 'transient', 'HTTP 200: truncated JSON'],
    ['malformed JSON', http(`${good.slice(0, 40)}}{]`), 'transient', 'HTTP 200: malformed JSON'],
    ['trailing garbage', http(`${good}x`), 'transient', 'HTTP 200: malformed JSON'],
    [
      'JSON without a code',
      http('{"error":"x"}'),
      'transient',
      'HTTP 200: JSON without a Tushare code: ',
    ],
    ['a JSON array', http('[1,2]'), 'transient', 'HTTP 200: JSON without a Tushare code: '],
    ['a 503 without body', http('', 503), 'transient', 'HTTP 503: an empty body'],
    // No such route: the base URL's fault (suspect 'address', checked below).
    [
      'a 404',
      http('Not Found', 404),
      'bad-argument',
      'HTTP 404: a body that is not JSON: "Not Found"',
    ],
    ['a redirect', http('', 301), 'bad-argument', 'HTTP 301: an empty body'],
    ['a 400 from something else', http('<html>', 400), 'unknown', 'HTTP 400: '],
  ];

  it.each(cases)('%s', (_name, answer, kind, detail) => {
    const classified = classifyTushareAnswer(answer, NOW);
    expect(classified.outcome.kind).toBe(kind);
    expect(classified.detail?.startsWith(detail)).toBe(true);
  });

  it('blames the base URL for an answer from a route Tushare does not have', () => {
    for (const status of [404, 405, 301, 302])
      expect(classifyTushareAnswer(http('', status), NOW).outcome).toMatchObject({
        kind: 'bad-argument',
        suspect: 'address',
      });
  });

  it('treats a bare 429 as too-frequent, with Retry-After when given', () => {
    expect(classifyTushareAnswer(http('', 429), NOW).outcome).toEqual({ kind: 'too-frequent' });
    expect(classifyTushareAnswer(http('', 429, { 'retry-after': '7' }), NOW).outcome).toEqual({
      kind: 'too-frequent',
      retryAfterMs: 7_000,
    });
  });

  it('cuts a long non-JSON body in the detail', () => {
    const detail = classifyTushareAnswer(http('x'.repeat(500), 403), NOW).detail ?? '';
    expect(detail.length).toBeLessThan(120);
  });
});
