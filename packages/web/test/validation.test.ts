import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { ApiError } from '../src/index.js';
import { json, webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness;
beforeAll(async () => {
  h = await webHarness();
});
afterAll(() => h.close());

describe('request validation', () => {
  it('names the bad query parameter and its value', async () => {
    expect(
      await json<ApiError>(h.request('/api/sources/tushare.daily/rows?limit=501'), 400),
    ).toEqual({
      error: 'E_BAD_REQUEST',
      message: 'Bad query parameter "limit": expected at most 500 (got "501").',
    });
    expect(
      await json<ApiError>(h.request('/api/sources/tushare.daily/rows?offset=-1'), 400),
    ).toEqual({
      error: 'E_BAD_REQUEST',
      message: 'Bad query parameter "offset": expected 0 or more (got "-1").',
    });
    expect(await json<ApiError>(h.request('/api/runs?limit=ten'), 400)).toEqual({
      error: 'E_BAD_REQUEST',
      message: 'Bad query parameter "limit": expected a whole number (got "ten").',
    });
    expect(await json<ApiError>(h.request('/api/tasks?status=finished'), 400)).toEqual({
      error: 'E_BAD_REQUEST',
      message:
        'Bad query parameter "status": expected one of pending, running, done, dropped, failed (got "finished").',
    });
  });

  it('names the bad body field: a date that does not exist, a field it does not know', async () => {
    expect(await json<ApiError>(h.post('/api/sync', { since: '2024-02-30' }), 400)).toEqual({
      error: 'E_BAD_REQUEST',
      message: 'Bad body field "since": expected a date as YYYY-MM-DD (got "2024-02-30").',
    });
    expect(await json<ApiError>(h.post('/api/plan', { until: '20240301' }), 400)).toMatchObject({
      message: expect.stringContaining('body field "until"'),
    });
    expect(await json<ApiError>(h.post('/api/audit', { backfill: 'yes' }), 400)).toMatchObject({
      message: expect.stringContaining('body field "backfill"'),
    });
    expect(await json<ApiError>(h.post('/api/sync', { id: ['tushare.daily'] }), 400)).toEqual({
      error: 'E_BAD_REQUEST',
      message: 'Bad request body: Unrecognized key: "id".',
    });
    const notJson = h.request('/api/sync', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ids": [',
    });
    expect(await json<ApiError>(notJson, 400)).toMatchObject({ error: 'E_BAD_REQUEST' });
    expect(h.controller.running).toBe(false);
  });

  it('answers 404 with the nearest ids for an unknown source, wherever it is named', async () => {
    const hint = expect.stringContaining('Did you mean "tushare.daily"');
    for (const answer of [
      h.request('/api/sources/tushare.dialy'),
      h.request('/api/sources/tushare.dialy/rows'),
      h.request('/api/tasks?source=tushare.dialy'),
      h.post('/api/plan', { ids: ['tushare.dialy'] }),
      h.post('/api/sync', { ids: ['tushare.dialy'] }),
      h.post('/api/audit', { ids: ['tushare.dialy'] }),
    ])
      expect(await json<ApiError>(answer, 404)).toEqual({
        error: 'E_UNKNOWN_SOURCE',
        message: hint,
      });
    expect(h.controller.running).toBe(false);
    expect(await (await h.request('/api/runs')).json()).toEqual([]);
  });

  it('answers 400 to a range that ends before it starts, and to auditing what has no grid', async () => {
    expect(
      await json<ApiError>(h.post('/api/plan', { since: '2024-03-01', until: '2024-01-31' }), 400),
    ).toMatchObject({ error: 'E_BAD_RANGE' });
    expect(
      await json<ApiError>(h.post('/api/audit', { ids: ['tushare.stock_basic'] }), 400),
    ).toEqual({ error: 'E_AUDIT', message: expect.stringContaining('tushare.stock_basic') });
  });

  it('answers 409 E_IDLE to a cancel when nothing runs', async () => {
    expect(await json<ApiError>(h.post('/api/cancel', {}), 409)).toEqual({
      error: 'E_IDLE',
      message: 'No run is in progress.',
    });
  });
});
