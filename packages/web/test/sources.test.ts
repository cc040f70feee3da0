import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RowsPage, SourceDetail, SourceView } from '../src/index.js';
import {
  clockAt,
  DAILY,
  json,
  JUST_PUBLISHED,
  latestBarsOut,
  RANGE,
  webHarness,
  weekdays,
  type WebHarness,
} from './web-harness.js';

/** The sandbox market's last day. */
const LAST_DAY = '2024-03-29';

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
      schedule: '30 20 * * 1-5',
      // 20:30 in Shanghai is 12:30 UTC.
      nextRunAt: expect.stringMatching(/T12:30:00\.000Z$/),
      freshness: '1d',
      dependsOn: ['tushare.trade_cal'],
    });

    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const asked = Date.now();
    const after = await json<SourceView[]>(h.request('/api/sources'));
    const answered = Date.now();
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    const rowsOf = async (id: string) => h?.storage.countRows(h.registry.get(id));
    // The market ended in 2024: today the daily bars are behind, however recent their sync.
    expect(after.map((s) => [s.id, s.state, s.rows, s.settled])).toEqual([
      [
        'tushare.trade_cal',
        'current',
        h.truth('tushare.trade_cal', { exchange: 'SSE', ...DAILY }).length,
        '2024-02-29',
      ],
      ['tushare.stock_basic', 'never', 0, undefined],
      ['tushare.daily', 'behind', h.truth('tushare.daily', DAILY).length, '2024-02-29'],
      ['tushare.adj_factor', 'never', 0, undefined],
    ]);
    for (const view of after) expect(view.rows).toBe(await rowsOf(view.id));
    const synced = after.find((s) => s.id === 'tushare.daily');
    expect(synced).toMatchObject({
      lastSyncedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      quotaUsedToday: openDays,
      latestStored: '2024-02-29',
    });
    // The calendar is stored through February: past it, each weekday through the latest day
    // whose bars are out counts (the answer came between two instants: 20:00 in Shanghai may
    // have passed in between, the only way the two differ).
    const published = [latestBarsOut(asked), latestBarsOut(answered)];
    const expected = published.map((day) => ({
      count: weekdays('2024-03-01', day),
      unit: 'trading days',
      text: `behind by ${weekdays('2024-03-01', day).toLocaleString('en-US')} trading days`,
      latestPublished: day,
      latestExpected: day,
    }));
    expect(expected).toContainEqual(synced?.behind);
    // Unsettled: from the day after the last settled one through the latest day whose bars
    // may be out (they appear from 15:00 in Shanghai, 07:00 UTC).
    const appearing = (now: number) => new Date(now - 7 * 3_600_000).toISOString().slice(0, 10);
    expect([appearing(asked), appearing(answered)]).toContainEqual(synced?.unsettled?.end);
    // The stored calendar ends with February: whether a day after it has settled depends on
    // its next open day, unknown, at the latest 16 days on (no exchange closes longer), when
    // its bars are final at 20:00 in Shanghai. So the days from 16 days (17 before 20:00)
    // before today in Shanghai on are still asked again; March 2024's settled long ago.
    const unsettledFrom = (now: number) => {
      const shanghai = new Date(now + 8 * 3_600_000);
      const back = shanghai.getUTCHours() >= 20 ? 15 : 16;
      return new Date(shanghai.getTime() - back * 86_400_000).toISOString().slice(0, 10);
    };
    expect([unsettledFrom(asked), unsettledFrom(answered)]).toContainEqual(
      synced?.unsettled?.start,
    );
    // The calendar and the stock list have no grid to be behind on.
    expect(after.find((s) => s.id === 'tushare.trade_cal')?.behind).toBeUndefined();
    expect(after.find((s) => s.id === 'tushare.stock_basic')?.behind).toBeUndefined();
  });

  it('says how far behind the provider a table is: behind by N trading days, then current', async () => {
    // Just after the market's last day's bars are out (20:30 in Shanghai on 2024-03-29).
    const clock = clockAt(JUST_PUBLISHED);
    h = await webHarness({ controller: { clock } });
    await h.controller.sync({ ids: ['tushare.trade_cal'], since: '2024-01-01', until: LAST_DAY });
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });

    // Stored through February; the stored calendar's March is behind.
    const march = h.market.openDays('2024-03-01', LAST_DAY);
    expect(march.length).toBe(21);
    const statuses = await h.controller.status();
    expect(statuses.find((s) => s.sourceId === 'tushare.daily')?.freshness?.behind).toBe(
      march.length,
    );
    const behind = await json<SourceView>(h.request('/api/sources/tushare.daily'));
    expect(behind).toMatchObject({
      state: 'behind',
      settled: '2024-02-29',
      // March has settled (each day's next open day is in the calendar, and out), but for
      // its last day: it is asked again; the rest is only behind.
      unsettled: { start: LAST_DAY, end: LAST_DAY },
      latestStored: '2024-02-29',
      behind: {
        count: march.length,
        unit: 'trading days',
        text: `behind by ${march.length} trading days`,
        latestPublished: LAST_DAY,
        latestExpected: LAST_DAY,
      },
    });
    // Synced 30 minutes ago by dsync's clock: neither due nor old, yet behind.
    expect(Date.parse(behind.lastSyncedAt ?? '')).toBeGreaterThan(clock() - 60_000);
    const calendar = await json<SourceView>(h.request('/api/sources/tushare.trade_cal'));
    expect([calendar.state, calendar.settled, calendar.behind]).toEqual([
      'current',
      LAST_DAY,
      undefined,
    ]);

    // One trading day behind: singular.
    await h.controller.sync({ ids: ['tushare.daily'], since: '2024-03-01', until: '2024-03-28' });
    const one = await json<SourceView>(h.request('/api/sources/tushare.daily'));
    expect([one.state, one.behind?.count, one.behind?.text]).toEqual([
      'behind',
      1,
      'behind by 1 trading day',
    ]);

    // Through the last day: current. The last day is out but settles at 20:00 on the next
    // open day, so the last settled day is the one before it, and the last day is unsettled.
    await h.controller.sync({ ids: ['tushare.daily'], since: '2024-03-29', until: LAST_DAY });
    const current = await json<SourceView>(h.request('/api/sources/tushare.daily'));
    expect(current).toMatchObject({
      state: 'current',
      settled: march.at(-2),
      unsettled: { start: LAST_DAY, end: LAST_DAY },
      latestStored: LAST_DAY,
      behind: { count: 0, unit: 'trading days', text: 'current', latestPublished: LAST_DAY },
    });
    expect(current.rows).toBe(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240329' }).length,
    );
    // The new fields carry dates and counts only: no secret in the answers.
    for (const path of ['/api/sources', '/api/sources/tushare.daily', '/metrics'])
      expect(await (await h.request(path)).text()).not.toContain(h.sandbox.token);
  });

  it('puts pending before behind, and behind before stale, whatever the time of the last sync', async () => {
    const clock = clockAt(JUST_PUBLISHED);
    h = await webHarness({ controller: { clock } });
    await h.controller.sync({
      ids: ['tushare.trade_cal', 'tushare.stock_basic'],
      since: '2024-01-01',
      until: LAST_DAY,
    });
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const stateOf = async () =>
      (await json<SourceView>(h?.request('/api/sources/tushare.daily') as Promise<Response>)).state;
    expect(await stateOf()).toBe('behind');

    // A hole queued for backfill: pending tasks come first, behind or not.
    const table = h.registry.get('tushare.daily').storage.table;
    expect(await h.storage.knex(table).where('trade_date', '2024-01-02').del()).toBeGreaterThan(0);
    const [audit] = await h.controller.audit({ ids: ['tushare.daily'], ...RANGE, backfill: true });
    expect(audit?.queued).toBeGreaterThan(0);
    expect(await stateOf()).toBe('pending');
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(await stateOf()).toBe('behind');

    // Synced through the last day: current. A day later (Saturday evening), older than its
    // freshness (1d) with nothing new published: stale, not behind.
    await h.controller.sync({ ids: ['tushare.daily'], since: '2024-03-01', until: LAST_DAY });
    expect(await stateOf()).toBe('current');
    clock.set('2024-03-30T13:30:00.000Z');
    const saturday = await json<SourceView>(h.request('/api/sources/tushare.daily'));
    expect([saturday.state, saturday.behind?.text]).toEqual(['stale', 'current']);
    // Monday evening: its bars are out and not stored. Due by its schedule (18:00) too, but
    // behind by one weekday past the stored calendar says more.
    clock.set('2024-04-01T12:30:00.000Z');
    const monday = await json<SourceView>(h.request('/api/sources/tushare.daily'));
    expect([monday.state, monday.behind?.text]).toEqual(['behind', 'behind by 1 trading day']);
  });

  it('shows the requests a source dropped, and the days they hold back', async () => {
    // One exchange in three the replica does not know: one refused request per 14-day window.
    h = await webHarness({
      sources: [
        {
          extends: 'tushare.trade_cal',
          id: 'my.cal',
          params: { exchange: { kind: 'each', values: ['SSE', 'XSHX', 'SZSE'] } },
          args: {
            kind: 'date-window',
            startParam: 'start_date',
            endParam: 'end_date',
            windowDays: 14,
          },
        },
      ],
    });
    const result = await h.controller.sync({ since: '2024-01-02', until: '2024-01-31' });
    expect(result.sources.map((s) => [s.sourceId, s.dropped])).toEqual([['my.cal', 3]]);
    const view = await json<SourceView>(h.request('/api/sources/my.cal'));
    expect(view).toMatchObject({
      settled: '2024-01-01',
      dropped: { tasks: 3, first: '2024-01-02', last: '2024-01-30' },
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
