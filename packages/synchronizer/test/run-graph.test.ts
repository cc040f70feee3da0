import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { TUSHARE_TIERS } from '@dsync/sandbox';
import type { SyncEvent } from '../src/index.js';
import { harness, type Harness } from './harness.js';

jest.setTimeout(60_000);
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const RANGE = { since: '2024-01-01', until: '2024-02-29' };
const BARS = { start_date: '20240101', end_date: '20240229' };
const TOKEN = 'sandbox-tushare-token';

/** The 2,000-point tier without some interfaces: the sandbox answers them "no permission". */
const without = (...apis: string[]) => ({
  ...TUSHARE_TIERS['2000'],
  apis: ['trade_cal', 'stock_basic', 'daily', 'adj_factor', 'daily_basic', 'income'].filter(
    (api) => !apis.includes(api),
  ),
});

const endings = (
  sources: readonly { sourceId: string; status: string; reason?: { code: string } }[],
) => sources.map((s) => [s.sourceId, s.status, s.reason?.code]);

describe('a run is a dependency graph', () => {
  it('runs independent sources at the same time, each after the calendar it reads', async () => {
    // 40 ms answers: one at a time per source would keep the two apart.
    h = await harness(['tushare.daily', 'tushare.adj_factor'], { sandbox: { latencyMs: 40 } });
    const events: SyncEvent[] = [];
    h.controller.events.on((e) => events.push(e));
    const result = await h.controller.sync({
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(endings(result.sources)).toEqual([
      ['tushare.trade_cal', 'done', undefined],
      ['tushare.daily', 'done', undefined],
      ['tushare.adj_factor', 'done', undefined],
    ]);
    const at = (type: SyncEvent['type'], id: string) =>
      events.findIndex((e) => e.type === type && 'sourceId' in e && e.sourceId === id);
    const lastAt = (type: SyncEvent['type'], id: string) =>
      events.findLastIndex((e) => e.type === type && 'sourceId' in e && e.sourceId === id);
    // Neither starts before the calendar is stored; both start before either finishes.
    for (const id of ['tushare.daily', 'tushare.adj_factor'])
      expect(at('source-started', id)).toBeGreaterThan(at('source-finished', 'tushare.trade_cal'));
    expect(at('source-started', 'tushare.adj_factor')).toBeLessThan(
      at('source-finished', 'tushare.daily'),
    );
    // Their requests interleave: adj_factor's first is asked before daily's last.
    expect(at('task-started', 'tushare.adj_factor')).toBeLessThan(
      lastAt('task-started', 'tushare.daily'),
    );
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', BARS));
    expect(await h.rows('tushare.adj_factor')).toEqual(h.truth('tushare.adj_factor', BARS));
    expect(h.sandbox.counters().total.throttled).toBe(0);
  });

  it('a source refused permission stops alone: the others store exactly the ground truth', async () => {
    h = await harness(['tushare.daily', 'tushare.adj_factor'], {
      sandbox: { accounts: [{ token: TOKEN, label: 'default', tier: without('daily') }] },
    });
    const result = await h.controller.sync({
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(result.status).toBe('failed');
    expect(result.reason?.code).toBe('E_PERMISSION');
    expect(endings(result.sources)).toEqual([
      ['tushare.trade_cal', 'done', undefined],
      ['tushare.daily', 'failed', 'E_PERMISSION'],
      ['tushare.adj_factor', 'done', undefined],
    ]);
    expect(await h.rows('tushare.daily')).toEqual([]);
    expect(await h.rows('tushare.adj_factor')).toEqual(h.truth('tushare.adj_factor', BARS));
    const cursor = async (id: string) => (await h?.storage.checkpoints.getSourceState(id))?.cursor;
    expect(await cursor('tushare.daily')).toBeUndefined();
    expect(await cursor('tushare.adj_factor')).toBe(RANGE.until);
    const run = await h.storage.checkpoints.getRun(result.runId);
    expect([run?.status, run?.reason?.code]).toEqual(['failed', 'E_PERMISSION']);
  });

  it('a source that cannot start holds back only what reads it', async () => {
    // income reads its symbols from stock_basic, which the account may not call.
    h = await harness(['tushare.income', 'tushare.daily'], {
      sandbox: { accounts: [{ token: TOKEN, label: 'default', tier: without('stock_basic') }] },
    });
    const events: SyncEvent[] = [];
    h.controller.events.on((e) => events.push(e));
    const result = await h.controller.sync({
      ids: ['tushare.income', 'tushare.daily'],
      ...RANGE,
    });
    expect(new Map(endings(result.sources).map(([id, ...rest]) => [id, rest]))).toEqual(
      new Map([
        ['tushare.trade_cal', ['done', undefined]],
        ['tushare.stock_basic', ['failed', 'E_PERMISSION']],
        ['tushare.income', ['failed', 'E_DEPENDENCY_FAILED']],
        ['tushare.daily', ['done', undefined]],
      ]),
    );
    const income = result.sources.find((s) => s.sourceId === 'tushare.income');
    expect(income?.reason?.message).toMatch(
      /^tushare\.income was not synced: it reads tushare\.stock_basic, which failed \(/,
    );
    expect(income?.requests).toBe(0);
    // The cause is the run's reason, not what followed from it.
    expect(result.reason?.code).toBe('E_PERMISSION');
    // Told to listeners like a source that ran.
    expect(
      events
        .filter((e) => e.type === 'source-finished')
        .map((e) => e.sourceId)
        .sort(),
    ).toEqual(['tushare.daily', 'tushare.income', 'tushare.stock_basic', 'tushare.trade_cal']);
    expect(h.sandbox.counters().byApi['income']).toBeUndefined();
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', BARS));
  });

  it('a source whose requests cannot be made fails alone: the others store exactly the ground truth', async () => {
    // Its calendar's exchange is never stored (the calendar source syncs SSE's): E_CALENDAR.
    const broken = {
      extends: 'tushare.daily',
      id: 'my.daily_bse',
      storage: { table: 'my_daily_bse' },
      args: { kind: 'trade-calendar', param: 'trade_date', exchange: 'BSE' },
    } as const;
    h = await harness([broken, 'tushare.adj_factor']);
    const result = await h.controller.sync({
      ids: ['my.daily_bse', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(result.status).toBe('failed');
    expect(new Map(endings(result.sources).map(([id, ...rest]) => [id, rest]))).toEqual(
      new Map([
        ['tushare.trade_cal', ['done', undefined]],
        ['my.daily_bse', ['failed', 'E_CALENDAR']],
        ['tushare.adj_factor', ['done', undefined]],
      ]),
    );
    expect(await h.rows('tushare.adj_factor')).toEqual(h.truth('tushare.adj_factor', BARS));
  });

  it("one interface's daily limit stops that source; the other finishes and the run says stopped", async () => {
    const tier = {
      ...TUSHARE_TIERS['2000'],
      apis: 'all' as const,
      overrides: { daily: { perDay: 10 } },
    };
    h = await harness(['tushare.daily', 'tushare.adj_factor'], {
      sandbox: { accounts: [{ token: TOKEN, label: 'default', tier }] },
    });
    const result = await h.controller.sync({
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(result.status).toBe('stopped');
    expect(result.reason?.code).toBe('E_DAILY_LIMIT');
    expect(result.resumeAfter).toBeDefined();
    expect(endings(result.sources)).toEqual([
      ['tushare.trade_cal', 'done', undefined],
      ['tushare.daily', 'stopped', 'E_DAILY_LIMIT'],
      ['tushare.adj_factor', 'done', undefined],
    ]);
    expect(await h.rows('tushare.adj_factor')).toEqual(h.truth('tushare.adj_factor', BARS));
    expect((await h.rows('tushare.daily')).length).toBeGreaterThan(0);
  });

  it('a cancel stops every running source, and the ledger says the run was cancelled', async () => {
    h = await harness(['tushare.daily', 'tushare.adj_factor'], { sandbox: { latencyMs: 30 } });
    let started = 0;
    h.controller.events.on((e) => {
      if (e.type === 'task-started' && e.sourceId !== 'tushare.trade_cal' && ++started === 6)
        h?.controller.cancel();
    });
    const result = await h.controller.sync({
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(result.status).toBe('cancelled');
    expect(endings(result.sources)).toEqual([
      ['tushare.trade_cal', 'done', undefined],
      ['tushare.daily', 'cancelled', 'E_CANCELLED'],
      ['tushare.adj_factor', 'cancelled', 'E_CANCELLED'],
    ]);
    expect((await h.storage.checkpoints.getRun(result.runId))?.status).toBe('cancelled');
    // The next run finishes both, to the same tables.
    const again = await h.controller.sync({
      ids: ['tushare.daily', 'tushare.adj_factor'],
      ...RANGE,
    });
    expect(again.status).toBe('done');
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', BARS));
    expect(await h.rows('tushare.adj_factor')).toEqual(h.truth('tushare.adj_factor', BARS));
  });
});
