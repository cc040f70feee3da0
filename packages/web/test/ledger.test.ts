import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RunRecord, SourceAudit, SourcePlan, TaskRecord } from '../src/index.js';
import { DAILY, DEFAULT_SOURCES, json, RANGE, webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Three days of daily bars, one of them written so the API refuses it as a bad argument. */
const SOME_DAYS = {
  extends: 'tushare.daily',
  id: 'test.some_days',
  args: { kind: 'enumerate', param: 'trade_date', values: ['20240102', '2024-01-03', '20240104'] },
  coverage: undefined,
};

describe('the ledger over HTTP', () => {
  it('lists runs newest first and filters tasks by source, status and run, a dropped one with its reason', async () => {
    h = await webHarness({ sources: [...DEFAULT_SOURCES, SOME_DAYS] });
    const first = await h.controller.sync({ ids: ['test.some_days'], until: '2024-01-10' });
    const second = await h.controller.sync({ ids: ['tushare.stock_basic'] });

    const runs = await json<RunRecord[]>(h.request('/api/runs'));
    expect(runs.map((r) => [r.id, r.status, r.sourceIds])).toEqual([
      [second.runId, 'done', ['tushare.stock_basic']],
      [first.runId, 'done', ['test.some_days']],
    ]);
    expect((await json<RunRecord[]>(h.request('/api/runs?limit=1'))).map((r) => r.id)).toEqual([
      second.runId,
    ]);

    const dropped = await json<TaskRecord[]>(h.request('/api/tasks?status=dropped'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({
      runId: first.runId,
      sourceId: 'test.some_days',
      status: 'dropped',
      args: { params: { trade_date: '2024-01-03' } },
      lastError: { code: 'E_BAD_ARGUMENT', message: expect.any(String) },
    });
    const ofSource = await json<TaskRecord[]>(h.request('/api/tasks?source=test.some_days'));
    expect(ofSource.map((t) => t.status).sort()).toEqual(['done', 'done', 'dropped']);
    const doneInRun = await json<TaskRecord[]>(
      h.request(`/api/tasks?run=${first.runId}&status=done`),
    );
    expect(doneInRun.map((t) => t.args.params['trade_date']).sort()).toEqual([
      '20240102',
      '20240104',
    ]);
    expect(await json<TaskRecord[]>(h.request('/api/tasks?limit=1'))).toHaveLength(1);
    expect(await json<TaskRecord[]>(h.request('/api/tasks?run=no-such-run'))).toEqual([]);
  });

  it('plans exactly what the controller plans', async () => {
    h = await webHarness();
    // Before the calendar is stored: open days counted as weekdays, and marked so.
    const daily = { ids: ['tushare.daily'], ...RANGE };
    const estimated = await json<SourcePlan[]>(h.post('/api/plan', daily));
    expect(estimated).toEqual(await h.controller.plan(daily));
    // 2024-01-01 is a Monday, 2024-02-29 a Thursday: January's 23 weekdays and February's 21,
    // at the harness's 2,000 calls a second.
    expect(estimated.find((p) => p.sourceId === 'tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      requests: 44,
      etaMs: 22,
      days: 1,
      count: 'estimate',
      note: 'weekdays where tushare.trade_cal (SSE) is not stored for 2024-01-01..2024-02-29',
    });

    await h.controller.sync({
      ids: ['tushare.trade_cal'],
      since: '2024-01-01',
      until: '2024-03-29',
    });
    const request = { ids: ['tushare.daily', 'tushare.adj_factor'], ...RANGE };
    const plans = await json<SourcePlan[]>(h.post('/api/plan', request));
    expect(plans).toEqual(await h.controller.plan(request));
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect(plans.find((p) => p.sourceId === 'tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      requests: openDays,
      etaMs: Math.ceil(openDays / 2),
      days: 1,
      count: 'exact',
    });
    // Nothing named: every unsynced source.
    expect(await json<SourcePlan[]>(h.post('/api/plan', RANGE))).toEqual(
      await h.controller.plan(RANGE),
    );
  });

  it('audits a stored table, queues its hole as a backfill, and the next sync fills it', async () => {
    h = await webHarness();
    await h.controller.sync({ ids: ['tushare.stock_basic', 'tushare.daily'], ...RANGE });
    const { table } = h.registry.get('tushare.daily').storage;
    const lost = await h.storage.knex(table).where('trade_date', '2024-01-03').del();
    expect(lost).toBeGreaterThan(0);
    const truth = h.truth('tushare.daily', DAILY);

    const [report] = await json<SourceAudit[]>(
      h.post('/api/audit', { ids: ['tushare.daily'], ...RANGE }),
    );
    expect(report).toMatchObject({
      sourceId: 'tushare.daily',
      missing: lost,
      stored: truth.length - lost,
    });
    expect(report?.holes.map((hole) => hole.date)).toEqual(['2024-01-03']);
    expect(report?.queued).toBeUndefined();

    const [queued] = await json<SourceAudit[]>(
      h.post('/api/audit', { ids: ['tushare.daily'], backfill: true, ...RANGE }),
    );
    expect(queued?.queued).toBe(1);
    const pending = await json<TaskRecord[]>(
      h.request('/api/tasks?source=tushare.daily&status=pending'),
    );
    expect(pending.map((t) => t.args.params['trade_date'])).toEqual(['20240103']);
    expect(await h.controller.sync({ ids: ['tushare.daily'], ...RANGE })).toMatchObject({
      status: 'done',
    });
    expect(await h.rows('tushare.daily')).toEqual(truth);
  });

  it('reports each quota as the controller counts it', async () => {
    h = await webHarness();
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const quota = await json<{ scope: string; day: { used: number } }[]>(h.request('/api/quota'));
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect(quota.map((q) => [q.scope, q.day.used])).toEqual([
      ['tushare:default:trade_cal', 1],
      ['tushare:default:stock_basic', 0],
      ['tushare:default:daily', openDays],
      ['tushare:default:adj_factor', 0],
    ]);
  });
});
