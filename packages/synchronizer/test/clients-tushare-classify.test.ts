import { describe, expect, it } from '@jest/globals';
import {
  classifyTushareAnswer,
  classifyTushareError,
  TUSHARE_HOUR_MS,
  TUSHARE_MINUTE_MS,
} from '../src/clients/tushare-classify.js';
import { http, NOW, tushareEnvelope as envelope } from './client-helpers.js';

// NOW is 18:00 in Shanghai: the quota day ends six hours later, at 16:00 UTC.
const SHANGHAI_MIDNIGHT = '2024-03-06T16:00:00.000Z';
const DOC = 'https://tushare.pro/document/1?doc_id=108';

const classify = (code: number, msg: string) => classifyTushareError({ code, msg }, NOW);

describe('classifyTushareError: the reference error table (§2), row by row', () => {
  const rows: [string, number, string, unknown][] = [
    ['wrong token', 40101, '您的token不对，请确认。', { kind: 'auth' }],
    ['unknown api (40101)', 40101, '请指定正确的接口名', { kind: 'bad-argument', suspect: 'api' }],
    [
      'unknown api (other code)',
      -1,
      '请指定正确的接口名',
      { kind: 'bad-argument', suspect: 'api' },
    ],
    [
      'permission, current',
      40203,
      `抱歉，您没有接口(fund_daily)访问权限，权限的具体详情访问：${DOC}。`,
      { kind: 'permission' },
    ],
    ['permission, older 1', 40203, `抱歉，您没有访问该接口的权限，…`, { kind: 'permission' }],
    ['permission, older 2', 40203, `抱歉，您没有权限访问该接口，…`, { kind: 'permission' }],
    [
      'per minute, older',
      40203,
      `抱歉，您每分钟最多访问该接口200次，权限的具体详情访问：${DOC}。`,
      { kind: 'too-frequent', retryAfterMs: TUSHARE_MINUTE_MS },
    ],
    [
      'per minute, 2019',
      40203,
      `抱歉，您每分最多访问该接口80次:-(，详情访问：${DOC}`,
      { kind: 'too-frequent', retryAfterMs: TUSHARE_MINUTE_MS },
    ],
    [
      'per minute, newer',
      40203,
      `抱歉，您访问接口(daily)频率超限(500次/分钟)，具体频次详情：${DOC}。`,
      { kind: 'too-frequent', retryAfterMs: TUSHARE_MINUTE_MS },
    ],
    [
      'per hour, older',
      40203,
      '抱歉，您每小时最多访问该接口1次，…',
      { kind: 'too-frequent', retryAfterMs: TUSHARE_HOUR_MS },
    ],
    [
      'per hour, newer',
      40203,
      '抱歉，您访问接口(stock_basic)频率超限(1次/小时)',
      { kind: 'too-frequent', retryAfterMs: TUSHARE_HOUR_MS },
    ],
    [
      'per day, newer',
      40203,
      '抱歉，您访问接口(cyq_perf)频率超限(5次/天)',
      { kind: 'daily-limit', resetsAt: SHANGHAI_MIDNIGHT },
    ],
    [
      'per day, older',
      40203,
      '抱歉，您每天最多访问该接口8000次，…',
      { kind: 'daily-limit', resetsAt: SHANGHAI_MIDNIGHT },
    ],
    [
      'per day, as 40103',
      40103,
      '抱歉，您每天最多访问该接口8000次',
      { kind: 'daily-limit', resetsAt: SHANGHAI_MIDNIGHT },
    ],
    ['tier too low', 40209, '抱歉，您没有权限访问该接口', { kind: 'permission' }],
    ['missing parameter', 50101, '必填参数, ts_code', { kind: 'bad-argument', suspect: 'params' }],
    [
      'missing parameter, fake code',
      40002,
      '必填参数, ts_code',
      { kind: 'bad-argument', suspect: 'params' },
    ],
    [
      'malformed parameter',
      40001,
      '参数trade_date格式错误，应为YYYYMMDD: x',
      { kind: 'bad-argument', suspect: 'params' },
    ],
    ['permission, old docs', 2002, '权限问题', { kind: 'permission' }],
    [
      'rate limit, -2002',
      -2002,
      '抱歉，您访问接口(index_daily)频率超限(500次/分钟)',
      { kind: 'too-frequent', retryAfterMs: TUSHARE_MINUTE_MS },
    ],
    ['server busy', 9999, '服务器拥挤，请稍后再试', { kind: 'transient' }],
    ['limit without a window', 40203, '抱歉，您访问接口(x)频率超限', { kind: 'too-frequent' }],
  ];

  it.each(rows)('%s: %d', (_name, code, msg, expected) => {
    const { outcome, detail } = classify(code, msg);
    expect(outcome).toMatchObject(expected as object);
    expect(detail?.startsWith(`${code} ${msg}`)).toBe(true);
  });

  it('gives no wait when the window is unnamed, so the policy default applies', () => {
    expect(classify(40203, '抱歉，您访问接口(x)频率超限').outcome).toEqual({
      kind: 'too-frequent',
    });
  });

  it('puts the parsed limit into the detail of a rate limit', () => {
    expect(classify(40203, `抱歉，您每分钟最多访问该接口200次，…`).detail).toBe(
      '40203 抱歉，您每分钟最多访问该接口200次，… [limit: 200/minute]',
    );
    expect(classify(40203, '频率超限(500次/分钟)').detail).toContain('[limit: 500/minute]');
    expect(classify(40203, '抱歉，您每小时最多访问该接口1次').detail).toContain('1/hour');
    expect(classify(40203, '抱歉，您每天最多访问该接口8000次').detail).toContain('8000/day');
  });

  it('carries the code and message of anything it does not know, as unknown', () => {
    expect(classify(12345, '新的错误')).toEqual({
      outcome: { kind: 'unknown', message: '12345 新的错误' },
      detail: '12345 新的错误',
    });
    expect(classify(40203, '抱歉，出了点问题').outcome.kind).toBe('unknown');
  });

  it('computes the daily reset as the next midnight in Shanghai, exactly', () => {
    const at = (iso: string) =>
      classifyTushareError({ code: 40203, msg: '每天最多访问该接口5次' }, new Date(iso)).outcome;
    expect(at('2024-03-06T10:00:00.000Z')).toEqual({
      kind: 'daily-limit',
      resetsAt: SHANGHAI_MIDNIGHT,
    });
    // 00:30 on the 7th in Shanghai: the next reset is the end of the 7th.
    expect(at('2024-03-06T16:30:00.000Z')).toEqual({
      kind: 'daily-limit',
      resetsAt: '2024-03-07T16:00:00.000Z',
    });
    expect(at('2024-12-31T23:59:59.999Z')).toEqual({
      kind: 'daily-limit',
      resetsAt: '2025-01-01T16:00:00.000Z',
    });
  });
});

describe('classifyTushareAnswer: success answers', () => {
  const data = {
    fields: ['ts_code', 'close'],
    items: [
      ['000001.SZ', 10.5],
      ['000002.SZ', 7],
    ],
  };

  it('answers rows with the remote columns and the items', () => {
    expect(classifyTushareAnswer(http(envelope(0, '', data)), NOW)).toEqual({
      outcome: { kind: 'rows', rows: 2 },
      remoteColumns: ['ts_code', 'close'],
      rows: data.items,
    });
  });

  it('answers empty for code 0 with no items; a code 0 without data is a broken answer, not an empty day', () => {
    const none = envelope(0, '', { fields: ['ts_code'], items: [], has_more: false, count: 0 });
    expect(classifyTushareAnswer(http(none), NOW).outcome).toEqual({ kind: 'empty' });
    expect(classifyTushareAnswer(http(envelope(0, '', null)), NOW)).toMatchObject({
      outcome: { kind: 'transient' },
      detail: expect.stringContaining('code 0 without data'),
    });
  });

  it('accepts whitespace and a BOM around the JSON', () => {
    const body = `\n  \n\uFEFF${envelope(0, '', data)}\r\n`;
    expect(classifyTushareAnswer(http(body), NOW).outcome).toEqual({ kind: 'rows', rows: 2 });
    expect(classifyTushareAnswer(http(`\uFEFF ${envelope(0, '', data)}`), NOW).outcome.kind).toBe(
      'rows',
    );
  });

  it('reads an older body whose message is under `message`, and a code given as a string', () => {
    const older = JSON.stringify({
      code: 40203,
      message: '抱歉，您每小时最多访问该接口1次',
      data: null,
    });
    expect(classifyTushareAnswer(http(older), NOW).outcome).toEqual({
      kind: 'too-frequent',
      retryAfterMs: TUSHARE_HOUR_MS,
    });
    const stringCode = JSON.stringify({ code: '40101', msg: '您的token不对，请确认。' });
    expect(classifyTushareAnswer(http(stringCode), NOW).outcome.kind).toBe('auth');
  });

  it('lets the envelope code win over an HTTP error status', () => {
    expect(
      classifyTushareAnswer(http(envelope(9999, '服务器拥挤，请稍后再试'), 500), NOW).detail,
    ).toBe('9999 服务器拥挤，请稍后再试');
  });

  it('treats a code-0 answer not in the documented shape as transient', () => {
    const cases = [
      { fields: ['a'], rows: [] },
      { fields: [1, 2], items: [] },
      { fields: ['a', 'b'], items: [['x']] },
      { fields: ['a'], items: ['x'] },
    ];
    for (const bad of cases) {
      expect(classifyTushareAnswer(http(envelope(0, '', bad)), NOW).outcome.kind).toBe('transient');
    }
  });
});
