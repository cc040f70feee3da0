import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineDataSource } from '@dsync/datasource';
import { groundTruth, startTushareSandbox, type TushareSandbox } from '@dsync/sandbox';
import { createTushareClient } from '../src/clients/tushare-client.js';
import { MARKET, NOW, sourceOf, TOKEN, tushareFetches } from './client-helpers.js';

const LOW = 'tk-low-tier-SECRET-a1b2c3d4e5';
const THROTTLED = 'tk-throttled-SECRET-f6e5d4c3';
const HOURLY = 'tk-hourly-SECRET-11223344';
const DAILY = 'tk-daily-SECRET-55667788';
const SECRETS = [TOKEN, LOW, THROTTLED, HOURLY, DAILY];
const WINDOW_MS = 400;

const daily = sourceOf('tushare.daily');

/** Every result and error of this file, for the leak check at the end. */
const { seen, fetchOnce } = tushareFetches(daily);

let sandbox: TushareSandbox;
const agent = new Agent({ keepAlive: true });
const clientFor = (token: string, extra: { clock?: () => number } = {}) =>
  createTushareClient({ baseUrl: sandbox.url, token, agent: { http: agent }, ...extra });

beforeAll(async () => {
  sandbox = await startTushareSandbox({
    market: MARKET,
    accounts: [
      { token: TOKEN, label: 'main', tier: '2000' },
      { token: LOW, label: 'low', tier: '120' },
      { token: THROTTLED, label: 'throttled', tier: { perMinute: 2, apis: 'all' } },
      { token: HOURLY, label: 'hourly', tier: { perMinute: 100, perHour: 1, apis: 'all' } },
      { token: DAILY, label: 'daily', tier: { perMinute: 100, perDay: 1, apis: 'all' } },
    ],
    windowMs: WINDOW_MS,
    rateLimitWording: 'alternate',
  });
});
afterAll(async () => {
  await sandbox.close();
  agent.destroy();
});

const compact = (iso: string) => iso.replaceAll('-', '');

describe('Tushare client: answers', () => {
  it('returns the rows of a day under local names, equal to the ground truth', async () => {
    const day = compact(sandbox.market.openDays('2024-01-02', '2024-01-31')[0] ?? '');
    const result = await fetchOnce(clientFor(TOKEN), 'daily', { trade_date: day });
    const names = daily.fields.map((field) => field.name);
    const truth = [...groundTruth(MARKET).tushare('daily', { trade_date: day })];
    expect(result.outcome).toEqual({ kind: 'rows', rows: truth.length });
    expect(result.status).toBe(200);
    expect(result.detail).toBeUndefined();
    expect(result.columns).toEqual(names);
    expect(result.rows).toEqual(truth.map((row) => names.map((name) => row[name])));
    expect(truth.length).toBeGreaterThan(5);
  });

  it('maps remote names through `from` and asks for the definition’s fields only', async () => {
    const renamed = defineDataSource({
      id: 'test.renamed',
      provider: 'tushare',
      api: 'daily',
      fields: [
        { name: 'code', type: 'string', from: 'ts_code' },
        { name: 'day', type: 'date', from: 'trade_date' },
        { name: 'close', type: 'float' },
      ],
      primaryKey: ['code', 'day'],
    });
    const result = await fetchOnce(clientFor(TOKEN), 'daily', { trade_date: '20240105' }, renamed);
    const truth = [...groundTruth(MARKET).tushare('daily', { trade_date: '20240105' })];
    expect(result.columns).toEqual(['code', 'day', 'close']);
    expect(result.rows).toEqual(truth.map((row) => [row.ts_code, row.trade_date, row.close]));
  });

  it('answers empty on a closed day', async () => {
    const result = await fetchOnce(clientFor(TOKEN), 'daily', { trade_date: '20240106' });
    expect(result).toEqual({ outcome: { kind: 'empty' }, status: 200 });
  });

  it('answers auth for a wrong token', async () => {
    const result = await fetchOnce(clientFor('tk-wrong-SECRET'), 'daily', {
      trade_date: '20240105',
    });
    expect(result.outcome.kind).toBe('auth');
    expect(result.detail).toBe('40101 您的token不对，请确认。');
    expect(JSON.stringify(result)).not.toContain('tk-wrong-SECRET');
  });

  it('answers permission for an interface above the tier', async () => {
    const source = sourceOf('tushare.daily_basic');
    const result = await fetchOnce(
      clientFor(LOW),
      'daily_basic',
      { trade_date: '20240105' },
      source,
    );
    expect(result.outcome.kind).toBe('permission');
    expect(result.detail).toContain('40203 抱歉，您没有接口(daily_basic)访问权限');
  });

  it('answers bad-argument for an unknown interface, a missing and a malformed parameter', async () => {
    const client = clientFor(TOKEN);
    const unknown = await fetchOnce(client, 'no_such_api', {});
    expect(unknown.outcome.kind).toBe('bad-argument');
    expect(unknown.detail).toContain('请指定正确的接口名');
    const missing = await fetchOnce(client, 'income', {}, sourceOf('tushare.income'));
    expect(missing.outcome).toEqual({
      kind: 'bad-argument',
      message: '50101 必填参数, ts_code',
      suspect: 'params',
    });
    const malformed = await fetchOnce(client, 'daily', { trade_date: 'Jan 5' });
    expect(malformed.outcome.kind).toBe('bad-argument');
    expect(malformed.detail).toMatch(/^40001 .*trade_date/);
  });
});

describe('Tushare client: limits', () => {
  it('answers too-frequent over the minute, in both wordings, and rows once the window passed', async () => {
    const client = clientFor(THROTTLED);
    const call = () => fetchOnce(client, 'daily', { trade_date: '20240105' });
    expect((await call()).outcome.kind).toBe('rows');
    expect((await call()).outcome.kind).toBe('rows');
    const newer = await call();
    const older = await call();
    for (const throttled of [newer, older]) {
      expect(throttled.outcome).toEqual({ kind: 'too-frequent', retryAfterMs: 60_000 });
      expect(throttled.detail).toMatch(/\[limit: 2\/minute\]$/);
    }
    expect(newer.detail).toContain('频率超限(2次/分钟)');
    expect(older.detail).toContain('每分钟最多访问该接口2次');
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
    expect((await call()).outcome.kind).toBe('rows');
  });

  it('answers too-frequent with an hour’s wait over the hourly limit', async () => {
    const client = clientFor(HOURLY);
    expect((await fetchOnce(client, 'daily', { trade_date: '20240105' })).outcome.kind).toBe(
      'rows',
    );
    const limited = await fetchOnce(client, 'daily', { trade_date: '20240105' });
    expect(limited.outcome).toEqual({ kind: 'too-frequent', retryAfterMs: 3_600_000 });
    expect(limited.detail).toContain('每小时最多访问该接口1次');
  });

  it('answers daily-limit with the reset at the next midnight in Shanghai', async () => {
    const client = clientFor(DAILY, { clock: () => NOW.getTime() });
    expect((await fetchOnce(client, 'daily', { trade_date: '20240105' })).outcome.kind).toBe(
      'rows',
    );
    const limited = await fetchOnce(client, 'daily', { trade_date: '20240105' });
    expect(limited.outcome).toEqual({ kind: 'daily-limit', resetsAt: '2024-03-06T16:00:00.000Z' });
    expect(limited.detail).toContain('每天最多访问该接口1次');
  });
});

describe('Tushare client: the token never leaks', () => {
  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(15);
    for (const secret of SECRETS) expect(JSON.stringify(seen)).not.toContain(secret);
  });
});

describe('createTushareClient: credentials', () => {
  it('refuses a token too short to be real, since answers are masked for it', () => {
    expect(() => createTushareClient({ token: 't', baseUrl: 'http://127.0.0.1:1' })).toThrow(
      'The token or API key is 1 characters long; real ones have at least 12.',
    );
  });
});
