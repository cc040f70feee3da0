import { describe, expect, it } from '@jest/globals';
import type { FAULT_KINDS } from '../src/index.js';
import { Market, startTushareSandbox, type TushareSandboxOptions } from '../src/index.js';
import { callTushare, sleep, track } from './helpers.js';

const market = new Market({ seed: 'errors', symbols: 10, start: '2024-01-01', end: '2024-03-31' });
const DOC = 'https://tushare.pro/document/1?doc_id=108';
const start = (options: TushareSandboxOptions = {}) =>
  track(startTushareSandbox({ market, ...options }));
const daily = (token: string) => ({
  api_name: 'daily',
  token,
  params: { trade_date: '20240102' },
  fields: 'ts_code',
});

describe('the Tushare replica: errors with the real codes and messages', () => {
  it('answers a wrong token with 40101 and data null, over HTTP 200', async () => {
    const { url } = await start();
    const answer = await callTushare(url, daily('not-a-token'));
    expect(answer).toMatchObject({
      code: 40101,
      msg: '您的token不对，请确认。',
      data: null,
      detail: '',
    });
  });

  it('answers an unknown interface', async () => {
    const { url, token } = await start();
    expect(await callTushare(url, { ...daily(token), api_name: 'fund_daily' })).toMatchObject({
      code: 40101,
      msg: '请指定正确的接口名',
      data: null,
    });
    const { url: other, token: t2 } = await start({ unknownApiCode: 40102 });
    expect((await callTushare(other, { ...daily(t2), api_name: 'x' })).code).toBe(40102);
  });

  it('answers an interface above the token’s tier with 40203 and the permission message', async () => {
    const { url } = await start({ accounts: [{ token: 'low', tier: '120' }] });
    const answer = await callTushare(url, { ...daily('low'), api_name: 'daily_basic' });
    expect(answer).toMatchObject({
      code: 40203,
      msg: `抱歉，您没有接口(daily_basic)访问权限，权限的具体详情访问：${DOC}。`,
      data: null,
    });
  });

  it('answers a missing required parameter', async () => {
    const { url, token } = await start();
    const answer = await callTushare(url, {
      api_name: 'index_daily',
      token,
      params: { start_date: '20240101' },
    });
    expect(answer).toMatchObject({ code: 50101, msg: '必填参数, ts_code', data: null });
  });

  it('answers a malformed date parameter as a bad argument', async () => {
    const { url, token } = await start();
    const answer = await callTushare(url, {
      api_name: 'daily',
      token,
      params: { trade_date: '2024-01-02' },
    });
    expect(answer).toMatchObject({ code: 40001, data: null });
    expect(answer.msg).toContain('trade_date');
  });
});

describe('the Tushare replica: limits per token and interface', () => {
  const tier = { perMinute: 3, apis: 'all' as const };

  it('throttles the call past the per-window limit with the newer wording, and lets it through after the window', async () => {
    const { url } = await start({ accounts: [{ token: 't', tier }], windowMs: 300 });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await callTushare(url, daily('t'))).code);
    expect(codes).toEqual([0, 0, 0, 40203]);
    expect((await callTushare(url, daily('t'))).msg).toBe(
      `抱歉，您访问接口(daily)频率超限(3次/分钟)，具体频次详情：${DOC}。`,
    );
    // Other interfaces have windows of their own.
    expect((await callTushare(url, { ...daily('t'), api_name: 'adj_factor' })).code).toBe(0);
    await sleep(320);
    expect((await callTushare(url, daily('t'))).code).toBe(0);
  });

  it('speaks the older wording, or alternates between both', async () => {
    const older = await start({
      accounts: [{ token: 't', tier: { perMinute: 1, apis: 'all' } }],
      rateLimitWording: 'older',
    });
    await callTushare(older.url, daily('t'));
    expect((await callTushare(older.url, daily('t'))).msg).toBe(
      `抱歉，您每分钟最多访问该接口1次，权限的具体详情访问：${DOC}。`,
    );
    const both = await start({
      accounts: [{ token: 't', tier: { perMinute: 1, apis: 'all' } }],
      rateLimitWording: 'alternate',
    });
    await callTushare(both.url, daily('t'));
    const messages = [
      (await callTushare(both.url, daily('t'))).msg,
      (await callTushare(both.url, daily('t'))).msg,
    ];
    expect(messages).toEqual([
      `抱歉，您访问接口(daily)频率超限(1次/分钟)，具体频次详情：${DOC}。`,
      `抱歉，您每分钟最多访问该接口1次，权限的具体详情访问：${DOC}。`,
    ]);
  });

  it('enforces per-hour and per-day limits with their messages', async () => {
    const { url } = await start({
      accounts: [
        { token: 'low', tier: '120' },
        { token: 'day', tier: { perMinute: 100, perDay: 2, apis: 'all' } },
      ],
    });
    const basic = { api_name: 'stock_basic', token: 'low', params: {} };
    expect((await callTushare(url, basic)).code).toBe(0);
    expect(await callTushare(url, basic)).toMatchObject({
      code: 40203,
      msg: `抱歉，您每小时最多访问该接口1次，权限的具体详情访问：${DOC}。`,
    });
    await callTushare(url, daily('day'));
    await callTushare(url, daily('day'));
    expect(await callTushare(url, daily('day'))).toMatchObject({
      code: 40203,
      msg: `抱歉，您每天最多访问该接口2次，权限的具体详情访问：${DOC}。`,
    });
  });

  it('counts with a fixed window when asked: a burst right after the boundary is allowed again', async () => {
    let now = 1_000_000;
    const { url } = await start({
      accounts: [{ token: 't', tier: { perMinute: 2, apis: 'all' } }],
      windowMs: 1000,
      windowMode: 'fixed',
      now: () => now,
    });
    now = 1_000_900;
    expect([
      (await callTushare(url, daily('t'))).code,
      (await callTushare(url, daily('t'))).code,
    ]).toEqual([0, 0]);
    now = 1_001_000;
    expect((await callTushare(url, daily('t'))).code).toBe(0);
  });

  it('counts by account label and interface, never by token', async () => {
    const sandbox = await start({
      accounts: [
        { token: 'secret-token-1', label: 'research', tier: { perMinute: 1, apis: 'all' } },
      ],
    });
    await callTushare(sandbox.url, daily('secret-token-1'));
    await callTushare(sandbox.url, daily('secret-token-1'));
    await callTushare(sandbox.url, daily('wrong'));
    const counters = sandbox.counters();
    expect(counters.total).toEqual({ served: 1, throttled: 1, rejected: 1, faulted: 0 });
    expect(counters.byAccount).toEqual({
      research: { served: 1, throttled: 1, rejected: 0, faulted: 0 },
      unknown: { served: 0, throttled: 0, rejected: 1, faulted: 0 },
    });
    expect(counters.byApi['daily']).toEqual({ served: 1, throttled: 1, rejected: 1, faulted: 0 });
    expect(JSON.stringify(counters)).not.toContain('secret-token-1');
    sandbox.resetCounters();
    expect(sandbox.counters().total.served).toBe(0);
  });
});

describe('the Tushare replica: faults on demand', () => {
  const faulty = (kind: (typeof FAULT_KINDS)[number]) =>
    start({ faults: { rate: 1, kinds: [kind] } });
  const post = (url: string, token: string, signal?: AbortSignal) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(daily(token)),
      signal,
    });

  it('answers 502 with an HTML page', async () => {
    const { url, token } = await faulty('html-5xx');
    const response = await post(url, token);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toContain('<title>502 Bad Gateway</title>');
  });

  it('answers 403 with a body that is not JSON', async () => {
    const { url, token } = await faulty('non-json-403');
    const response = await post(url, token);
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden');
  });

  it('resets the connection', async () => {
    const { url, token } = await faulty('reset');
    await expect(post(url, token)).rejects.toThrow();
  });

  it('never answers, so the client’s timeout fires', async () => {
    const { url, token } = await faulty('hang');
    await expect(post(url, token, AbortSignal.timeout(200))).rejects.toThrow(/aborted|timeout/i);
  });

  it('sends malformed and truncated JSON', async () => {
    for (const kind of ['malformed-json', 'truncated-json'] as const) {
      const { url, token } = await faulty(kind);
      const text = await (await post(url, token)).text();
      expect(() => JSON.parse(text) as unknown).toThrow();
      expect(text.startsWith('{"request_id"')).toBe(true);
    }
  });

  it('puts whitespace before a valid answer', async () => {
    const { url, token } = await faulty('leading-whitespace');
    const text = await (await post(url, token)).text();
    expect(text).toMatch(/^\s+\{/);
    expect((JSON.parse(text.trim()) as { code: number }).code).toBe(0);
  });

  it('answers server busy', async () => {
    const { url, token } = await faulty('busy');
    expect(await callTushare(url, daily(token))).toMatchObject({
      code: 9999,
      msg: '服务器拥挤，请稍后再试',
      data: null,
    });
  });

  it('draws faults by rate, deterministically from the seed', async () => {
    const run = async () => {
      const sandbox = await start({
        faults: { rate: 0.3, kinds: ['busy'], seed: 7 },
      });
      const codes = [];
      for (let i = 0; i < 40; i++)
        codes.push((await callTushare(sandbox.url, daily(sandbox.token))).code);
      return { codes, faulted: sandbox.counters().total.faulted };
    };
    const first = await run();
    expect(first.codes.filter((c) => c === 9999)).toHaveLength(first.faulted);
    expect(first.faulted).toBeGreaterThan(4);
    expect(first.faulted).toBeLessThan(20);
    expect((await run()).codes).toEqual(first.codes);
  });
});
