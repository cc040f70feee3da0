import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RunView, ServerEvent } from '../src/index.js';
import { isRunEnd, openEvents, runsOf, type EventStream } from './sse.js';
import { CALENDAR, DAILY, RANGE, webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
let stream: EventStream | undefined;
afterEach(async () => {
  stream?.close();
  stream = undefined;
  await h?.close();
  h = undefined;
});

const sourceOf = (run: RunView, id: string) => run.sources.find((s) => s.sourceId === id);

describe('a run over HTTP, watched on /api/events', () => {
  it('streams the run from its start to done: each source planned, done == planned, rows == stored', async () => {
    h = await webHarness();
    stream = await openEvents(h.url);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await stream.next()).toEqual({ type: 'run', run: null });
    expect(await (await h.request('/api/run')).json()).toBeNull();

    const started = await h.post('/api/sync', { ids: ['tushare.daily'], ...RANGE });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    expect(runId).toMatch(/^run-\d{14}-[0-9a-f]{8}$/);

    const events = await stream.collect(isRunEnd);
    const runs = runsOf(events);
    expect(runs.every((r) => r.runId === runId)).toBe(true);
    const last = runs.at(-1) as RunView;
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    // At the start, the calendar is not stored: daily's 44 weekdays (January's 23, February's
    // 21) are an estimate; once it starts, it is planned again by the stored open days.
    expect(sourceOf(runs[0] as RunView, 'tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      status: 'waiting',
      planned: 44,
      estimated: true,
      requests: 0,
      done: 0,
      left: 44,
      rows: 0,
      retries: 0,
      coolDowns: 0,
      dropped: 0,
    });
    expect(openDays).toBeLessThan(44);
    const dailyRows = h.truth('tushare.daily', DAILY).length;
    const calendarRows = h.truth('tushare.trade_cal', CALENDAR).length;
    expect(last).toMatchObject({ runId, status: 'done', endedAt: expect.any(String) });
    expect(last.sources).toEqual([
      {
        sourceId: 'tushare.trade_cal',
        status: 'done',
        planned: 1,
        requests: 1,
        done: 1,
        left: 0,
        rows: calendarRows,
        retries: 0,
        coolDowns: 0,
        dropped: 0,
      },
      {
        sourceId: 'tushare.daily',
        status: 'done',
        planned: openDays,
        requests: openDays,
        done: openDays,
        left: 0,
        rows: dailyRows,
        retries: 0,
        coolDowns: 0,
        dropped: 0,
      },
    ]);
    const daily = h.registry.get('tushare.daily');
    expect(await h.storage.countRows(daily)).toBe(dailyRows);

    // After the end: the quota, then the sources as they now stand.
    const after = await stream.collect((e) => e.type === 'sources');
    const quota = after.find((e) => e.type === 'quota');
    expect(quota).toBeDefined();
    const sources = (after.at(-1) as Extract<ServerEvent, { type: 'sources' }>).sources;
    // Synced just now, yet its data ends in February 2024: behind the provider.
    expect(sources.find((s) => s.id === 'tushare.daily')).toMatchObject({
      state: 'behind',
      rows: dailyRows,
      settled: '2024-02-29',
      latestStored: '2024-02-29',
      behind: {
        unit: 'trading days',
        text: expect.stringMatching(/^behind by [\d,]+ trading days$/),
      },
      quotaUsedToday: openDays,
    });

    // GET /api/run keeps the last run of this server.
    expect(await (await h.request('/api/run')).json()).toEqual(last);
    const [record] = (await (await h.request('/api/runs')).json()) as { id: string }[];
    expect(record).toMatchObject({ id: runId, status: 'done' });
  });

  it('shows sources running side by side, with the run ETA of the slowest', async () => {
    // 20 ms answers: daily and adj_factor each take a few hundred ms, at the same time.
    h = await webHarness({
      sources: ['tushare.daily', 'tushare.adj_factor'],
      sandbox: { latencyMs: 20 },
    });
    stream = await openEvents(h.url);
    await stream.next();
    const started = await h.post('/api/sync', {
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(started.status).toBe(202);
    const runs = runsOf(await stream.collect(isRunEnd));
    const both = runs.filter(
      (r) =>
        sourceOf(r, 'tushare.daily')?.status === 'running' &&
        sourceOf(r, 'tushare.adj_factor')?.status === 'running',
    );
    expect(both.length).toBeGreaterThan(0);
    const timed = both.filter((r) => r.etaMs !== undefined);
    expect(timed.length).toBeGreaterThan(0);
    for (const r of timed)
      expect(r.etaMs).toBe(Math.max(...r.sources.flatMap((s) => s.etaMs ?? [])));
    const last = runs.at(-1) as RunView;
    expect(last.status).toBe('done');
    expect(last.etaMs).toBeUndefined();
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    for (const id of ['tushare.daily', 'tushare.adj_factor'])
      expect(sourceOf(last, id)).toMatchObject({
        status: 'done',
        done: openDays,
        rows: (await h.rows(id)).length,
      });
  });

  it('refuses a second sync while one runs, cancels it, and the ledger keeps what was stored', async () => {
    // Four calls a second: slow enough to watch and cancel.
    h = await webHarness({ rateLimit: { limit: 4, windowMs: 1000 } });
    stream = await openEvents(h.url);
    await stream.next();
    const started = await h.post('/api/sync', { ids: ['tushare.daily'], ...RANGE });
    const { runId } = (await started.json()) as { runId: string };

    await stream.collect(
      (e) => e.type === 'run' && (sourceOf(e.run as RunView, 'tushare.daily')?.done ?? 0) >= 2,
    );
    const second = await h.post('/api/sync', { ids: ['tushare.stock_basic'] });
    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({
      error: 'E_BUSY',
      message: 'A run is already in progress: cancel it or wait for its end.',
    });

    const cancel = await h.post('/api/cancel', {});
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ cancelled: runId });
    const last = runsOf(await stream.collect(isRunEnd)).at(-1) as RunView;
    expect(last.status).toBe('cancelled');
    expect(sourceOf(last, 'tushare.daily')?.status).toBe('cancelled');

    const idle = await h.post('/api/cancel', {});
    expect(idle.status).toBe(409);
    expect(((await idle.json()) as { error: string }).error).toBe('E_IDLE');

    const runs = (await (await h.request('/api/runs')).json()) as { id: string; status: string }[];
    expect(runs[0]).toMatchObject({ id: runId, status: 'cancelled' });
    // What was stored is exactly the rows of the tasks the ledger has as done.
    const done = (await (
      await h.request(`/api/tasks?source=tushare.daily&status=done&run=${runId}`)
    ).json()) as { args: { params: Record<string, string> }; rows: number }[];
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(openDays);
    const days = new Set(done.map((t) => String(t.args.params['trade_date']).replaceAll('-', '')));
    const expected = h
      .truth('tushare.daily', DAILY)
      .filter((row) => days.has(String(row['trade_date']).replaceAll('-', '')));
    expect(await h.rows('tushare.daily')).toEqual(expected);
    expect(done.reduce((n, t) => n + t.rows, 0)).toBe(expected.length);
    expect(sourceOf(last, 'tushare.daily')?.rows).toBe(expected.length);
  });

  it('sends the rates per second the charts draw, and the account limit', async () => {
    h = await webHarness();
    expect(await (await h.request('/api/series')).json()).toEqual({
      points: [],
      limits: [
        { scope: 'tushare:default:trade_cal', perSecond: 2000 },
        { scope: 'tushare:default:stock_basic', perSecond: 2000 },
        { scope: 'tushare:default:daily', perSecond: 2000 },
        { scope: 'tushare:default:adj_factor', perSecond: 2000 },
      ],
    });
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const { points } = (await (await h.request('/api/series')).json()) as {
      points: { t: number; requests: number; rows: number }[];
    };
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    const sum = (k: 'requests' | 'rows') => points.reduce((n, p) => n + p[k], 0);
    expect(sum('requests')).toBe(openDays + 1);
    expect(sum('rows')).toBe(
      h.truth('tushare.daily', DAILY).length + h.truth('tushare.trade_cal', CALENDAR).length,
    );
    expect(points.every((p, i) => i === 0 || p.t - (points[i - 1]?.t ?? 0) === 1000)).toBe(true);
  });
});
