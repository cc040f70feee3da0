import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RowsPage, SourceDetail, SourceView } from '../src/index.js';
import { DAILY, json, RANGE, webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('GET /api/sources', () => {
  it('lists every source as never synced, then where each stands after a sync', async () => {
    h = await webHarness();
    const before = await json<SourceView[]>(h.request('/api/sources'));
    expect(before.map((s) => [s.id, s.state, s.rows, s.pendingTasks, s.failedTasks])).toEqual([
      ['tushare.trade_cal', 'never', 0, 0, 0],
      ['tushare.stock_basic', 'never', 0, 0, 0],
      ['tushare.daily', 'never', 0, 0, 0],
      ['tushare.adj_factor', 'never', 0, 0, 0],
    ]);
    const daily = before.find((s) => s.id === 'tushare.daily');
    expect(daily).toEqual({
      id: 'tushare.daily',
      provider: 'tushare',
      api: 'daily',
      title: 'Daily bars (unadjusted)',
      state: 'never',
      rows: 0,
      pendingTasks: 0,
      failedTasks: 0,
      quotaUsedToday: 0,
      schedule: '0 18 * * 1-5',
      // 18:00 in Shanghai is 10:00 UTC.
      nextRunAt: expect.stringMatching(/T10:00:00\.000Z$/),
      freshness: '1d',
      dependsOn: ['tushare.trade_cal'],
    });

    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const after = await json<SourceView[]>(h.request('/api/sources'));
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    const rowsOf = async (id: string) => h?.storage.countRows(h.registry.get(id));
    expect(after.map((s) => [s.id, s.state, s.rows, s.cursor])).toEqual([
      [
        'tushare.trade_cal',
        'current',
        h.truth('tushare.trade_cal', { exchange: 'SSE', ...DAILY }).length,
        '2024-02-29',
      ],
      ['tushare.stock_basic', 'never', 0, undefined],
      ['tushare.daily', 'current', h.truth('tushare.daily', DAILY).length, '2024-02-29'],
      ['tushare.adj_factor', 'never', 0, undefined],
    ]);
    for (const view of after) expect(view.rows).toBe(await rowsOf(view.id));
    expect(after.find((s) => s.id === 'tushare.daily')).toMatchObject({
      lastSyncedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      quotaUsedToday: openDays,
    });
  });

  it('shows one source with its table, and 404 with the nearest ids for an unknown one', async () => {
    h = await webHarness();
    const detail = await json<SourceDetail>(h.request('/api/sources/tushare.stock_basic'));
    const source = h.registry.get('tushare.stock_basic');
    expect(detail).toMatchObject({
      id: 'tushare.stock_basic',
      state: 'never',
      table: source.storage.table,
      primaryKey: ['ts_code'],
      fields: source.fields.map((f) => ({ name: f.name, type: f.type })),
      description: source.description,
      dependsOn: [],
    });
    const unknown = await h.request('/api/sources/tushare.dialy');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: 'E_UNKNOWN_SOURCE',
      message: expect.stringContaining('Did you mean "tushare.daily"'),
    });
  });
});

describe('GET /api/sources/:id/rows', () => {
  it('pages the stored table in primary-key order, exactly the ground truth, with its total', async () => {
    h = await webHarness();
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const truth = h.truth('tushare.daily', DAILY);
    const source = h.registry.get('tushare.daily');
    const page = await json<RowsPage>(
      h.request('/api/sources/tushare.daily/rows?offset=30&limit=25'),
    );
    expect(page).toEqual({
      columns: source.fields.map((f) => f.name),
      rows: truth.slice(30, 55),
      total: truth.length,
      offset: 30,
      limit: 25,
    });
    const tail = await json<RowsPage>(
      h.request(`/api/sources/tushare.daily/rows?offset=${truth.length - 7}&limit=500`),
    );
    expect(tail.rows).toEqual(truth.slice(-7));
    const first = await json<RowsPage>(h.request('/api/sources/tushare.daily/rows'));
    expect([first.offset, first.limit, first.rows]).toEqual([0, 100, truth.slice(0, 100)]);
    const empty = await json<RowsPage>(h.request('/api/sources/tushare.adj_factor/rows'));
    expect([empty.rows, empty.total]).toEqual([[], 0]);
  });

  it('returns stored markup as a JSON string, never as HTML', async () => {
    h = await webHarness();
    await h.controller.sync({ ids: ['tushare.stock_basic'] });
    const source = h.registry.get('tushare.stock_basic');
    const script = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const [first] = await h.rows('tushare.stock_basic');
    await h.storage
      .knex(source.storage.table)
      .where('ts_code', String(first?.['ts_code']))
      .update({ name: script });
    const answer = await h.request('/api/sources/tushare.stock_basic/rows?limit=1');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = (await answer.json()) as RowsPage;
    expect(page.rows[0]?.['name']).toBe(script);
    // A markup id in the path comes back inside JSON too.
    const unknown = await h.request(`/api/sources/${encodeURIComponent('<script>x</script>')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});
