import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { SyncEvent } from '../src/index.js';
import { harness, type Harness } from './harness.js';

jest.setTimeout(60_000);
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const RANGE = { since: '2024-01-01', until: '2024-02-29' };
const DAILY = { start_date: '20240101', end_date: '20240229' };

describe('SyncController against the Tushare replica', () => {
  it('syncs daily and its calendar in dependency order, and stores exactly the ground truth', async () => {
    h = await harness(['tushare.daily']);
    const events: SyncEvent[] = [];
    h.controller.events.on((e) => events.push(e));
    const result = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(result.status).toBe('done');
    expect(result.sources.map((s) => [s.sourceId, s.status])).toEqual([
      ['tushare.trade_cal', 'done'],
      ['tushare.daily', 'done'],
    ]);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', DAILY));
    const daily = result.sources[1];
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect([daily?.requests, daily?.done, daily?.dropped]).toEqual([openDays, openDays, 0]);
    expect(h.sandbox.counters().total).toEqual({
      served: openDays + 1,
      throttled: 0,
      rejected: 0,
      faulted: 0,
    });
    expect((await h.storage.checkpoints.getSourceState('tushare.daily')).cursor).toBe('2024-02-29');
    const status = (await h.controller.status()).find((s) => s.sourceId === 'tushare.daily');
    expect(status).toMatchObject({
      cursor: '2024-02-29',
      pendingTasks: 0,
      failedTasks: 0,
      rows: h.truth('tushare.daily', DAILY).length,
      quotaUsedToday: openDays,
    });
    // Everything in the range has settled and is stored: a plan of it counts what a sync makes.
    const plans = await h.controller.plan({ ids: ['tushare.daily'], ...RANGE });
    expect(plans.map((p) => [p.sourceId, p.requests, p.count])).toEqual([
      ['tushare.trade_cal', 0, 'exact'],
      ['tushare.daily', 0, 'exact'],
    ]);
    const again = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(again.sources.map((s) => s.requests)).toEqual([0, 0]);
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', status: 'done' });
    expect(events.filter((e) => e.type === 'rows-delivered')).toHaveLength(openDays + 1);
    // One task-started per request made.
    expect(events.filter((e) => e.type === 'task-started')).toHaveLength(openDays + 1);
  });

  it('fails a source whose calendar does not cover the range, and still reports it finished', async () => {
    h = await harness(['tushare.daily']);
    await h.controller.sync({ ids: ['tushare.trade_cal'], ...RANGE });
    const events: SyncEvent[] = [];
    h.controller.events.on((e) => events.push(e));
    // The sandbox's calendar ends with 2024: March 2025 is beyond it.
    const result = await h.controller.sync({
      ids: ['tushare.daily'],
      since: '2025-03-03',
      until: '2025-03-28',
    });
    expect(result.status).toBe('failed');
    expect(result.reason?.code).toBe('E_CALENDAR');
    const finished = events.filter((e) => e.type === 'source-finished');
    expect(finished.map((e) => [e.sourceId, e.status, e.reason?.code])).toContainEqual([
      'tushare.daily',
      'failed',
      'E_CALENDAR',
    ]);
    expect(
      events.filter((e) => e.type === 'task-started' && e.sourceId === 'tushare.daily'),
    ).toEqual([]);
  });

  it('spends a rate limit without a single throttle', async () => {
    h = await harness(['tushare.daily'], {
      sandbox: {
        // A 2-second "minute" of 10 calls: the run spans several windows.
        accounts: [{ token: 'engine-test-token-0123456789', tier: { perMinute: 10, apis: 'all' } }],
        windowMs: 2000,
      },
      controller: {
        accounts: {
          tushare: {
            limits: {
              windows: [{ limit: 10, windowMs: 2000 }],
              perInterface: true,
              maxConcurrent: 4,
            },
          },
        },
      },
    });
    const result = await h.controller.sync({
      ids: ['tushare.daily'],
      since: '2024-01-01',
      until: '2024-01-31',
    });
    expect(result.status).toBe('done');
    expect(h.sandbox.counters().total.throttled).toBe(0);
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240131' }),
    );
  });

  // A sandbox that allows 5 calls a (1-second) minute, and a client told it may make 1,000.
  const TIGHT = {
    sandbox: {
      accounts: [
        { token: 'engine-test-token-0123456789', tier: { perMinute: 5, apis: 'all' as const } },
      ],
      windowMs: 1000,
    },
    rateWindowMs: 1000,
  };
  const JANUARY = { since: '2024-01-01', until: '2024-01-31' };
  const JANUARY_DAILY = { start_date: '20240101', end_date: '20240131' };

  it('cools a throttled task down and finishes when the wait fits under the maximum', async () => {
    h = await harness(['tushare.daily'], {
      ...TIGHT,
      controller: { policy: { maxWaitMs: 5_000 } },
    });
    const cooled: SyncEvent[] = [];
    h.controller.events.on((e) => {
      if (e.type === 'cooled-down') cooled.push(e);
    });
    const result = await h.controller.sync({ ids: ['tushare.daily'], ...JANUARY });
    expect(result.status).toBe('done');
    expect(cooled.length).toBeGreaterThan(0);
    expect(cooled[0]).toMatchObject({ delayMs: 1000, reason: { code: 'E_TOO_FREQUENT' } });
    expect(h.sandbox.counters().total.throttled).toBe(cooled.length);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', JANUARY_DAILY));
  });

  it('stops when the wait exceeds the maximum, and a later run finishes the rest', async () => {
    h = await harness(['tushare.daily'], { ...TIGHT, controller: { policy: { maxWaitMs: 500 } } });
    const first = await h.controller.sync({ ids: ['tushare.daily'], ...JANUARY });
    expect([first.status, first.reason?.code]).toEqual(['stopped', 'E_TOO_FREQUENT']);
    const pending = await h.storage.checkpoints.unfinishedTasks('tushare.daily');
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.some((t) => t.lastError?.code === 'E_TOO_FREQUENT')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await h.controller.sync({ ids: ['tushare.daily'], ...JANUARY });
    // The second run may be throttled too: run until done, as a user would.
    let last = second;
    for (let i = 0; i < 10 && last.status !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      last = await h.controller.sync({ ids: ['tushare.daily'], ...JANUARY });
    }
    expect(last.status).toBe('done');
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', JANUARY_DAILY));
  });

  it('stops at the daily limit, and the next day’s run finishes without fetching done tasks again', async () => {
    let day = Date.parse('2024-03-04T04:00:00Z');
    h = await harness(['tushare.daily'], {
      sandbox: {
        accounts: [
          {
            token: 'engine-test-token-0123456789',
            tier: { perMinute: 1000, perDay: 30, apis: 'all' },
          },
        ],
      },
      clock: () => day,
    });
    const first = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(first.status).toBe('stopped');
    expect(first.reason?.code).toBe('E_DAILY_LIMIT');
    expect(first.resumeAfter).toMatch(/^\d{4}-\d\d-\d\dT16:00:00.000Z$/); // midnight in Shanghai
    const servedFirst = h.sandbox.counters().byApi['daily']?.served ?? 0;
    expect(servedFirst).toBe(30);
    const doneFirst = new Set(
      (await h.storage.checkpoints.listTasks({ sourceId: 'tushare.daily', status: 'done' })).map(
        (t) => t.key,
      ),
    );
    expect(doneFirst.size).toBe(30);
    day += 86_400_000;
    const fetched: string[] = [];
    h.controller.events.on((e) => {
      if (e.type === 'task-started' && e.sourceId === 'tushare.daily') fetched.push(e.key);
    });
    const second = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect([second.status, second.reason]).toEqual(['done', undefined]);
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    // Every open day fetched once over both runs: the second run asks only for what the first did not store.
    // (Not the sandbox's served count: a request cut off by the stop may reach it after the day turns.)
    expect(fetched.filter((key) => doneFirst.has(key))).toEqual([]);
    expect(new Set(fetched).size).toBe(openDays - 30);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', DAILY));
  });

  it('drops a task with a bad argument and lets the others go on', async () => {
    const days = {
      kind: 'enumerate',
      param: 'trade_date',
      values: ['20240102', '2024-01-03', '20240104'],
    } as const;
    h = await harness([
      { extends: 'tushare.daily', id: 'test.some_days', args: days, coverage: undefined },
    ]);
    const result = await h.controller.sync({ ids: ['test.some_days'], until: '2024-01-10' });
    expect(result.status).toBe('done');
    expect([result.sources[0]?.done, result.sources[0]?.dropped]).toEqual([2, 1]);
    const dropped = await h.storage.checkpoints.listTasks({ status: 'dropped' });
    expect(dropped.map((t) => [t.args.params['trade_date'], t.lastError?.code])).toEqual([
      ['2024-01-03', 'E_BAD_ARGUMENT'],
    ]);
    const stored = (await h.rows('test.some_days')).map((r) => r['trade_date']);
    expect([...new Set(stored)]).toEqual(['2024-01-02', '2024-01-04']);
  });

  it('retries timeouts, then stops with the task pending; the next run retries it afresh', async () => {
    h = await harness(['tushare.trade_cal'], {
      sandbox: { faults: { rate: 1, kinds: ['hang'] } },
      controller: { policy: { maxAttempts: 3, retryBaseMs: 10 } },
      timeoutMs: 150,
    });
    const result = await h.controller.sync({
      ids: ['tushare.trade_cal'],
      since: '2024-01-01',
      until: '2024-01-31',
    });
    expect([result.status, result.reason?.code]).toEqual(['stopped', 'E_TIMEOUT']);
    const [task] = await h.storage.checkpoints.unfinishedTasks('tushare.trade_cal');
    expect([task?.status, task?.attempts, task?.lastError?.code]).toEqual([
      'pending',
      3,
      'E_TIMEOUT',
    ]);
    expect(h.sandbox.counters().total.faulted).toBe(3);
    // The next run gives the task a fresh budget: three more attempts, not one.
    const again = await h.controller.sync({
      ids: ['tushare.trade_cal'],
      since: '2024-01-01',
      until: '2024-01-31',
    });
    expect([again.status, again.reason?.code]).toEqual(['stopped', 'E_TIMEOUT']);
    expect(h.sandbox.counters().total.faulted).toBe(6);
  });

  it('stores the ground truth through 30% faulty answers', async () => {
    h = await harness(['tushare.daily'], {
      sandbox: {
        faults: {
          rate: 0.3,
          kinds: [
            'html-5xx',
            'non-json-403',
            'reset',
            'malformed-json',
            'truncated-json',
            'leading-whitespace',
            'busy',
          ],
          seed: 3,
        },
      },
      controller: { policy: { maxAttempts: 12, retryBaseMs: 5, retryMaxMs: 20 } },
    });
    const result = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(result.status).toBe('done');
    expect(h.sandbox.counters().total.faulted).toBeGreaterThan(5);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', DAILY));
    // The ledger keeps each task's attempts with its "done": together they are every request made.
    const daily = result.sources.find((s) => s.sourceId === 'tushare.daily');
    const tasks = await h.storage.checkpoints.listTasks({
      sourceId: 'tushare.daily',
      status: 'done',
    });
    expect(tasks.every((t) => t.attempts >= 1)).toBe(true);
    expect(tasks.some((t) => t.attempts > 1)).toBe(true);
    expect(tasks.reduce((sum, t) => sum + t.attempts, 0)).toBe(daily?.requests);
  });

  it('resumes an aborted run to the same table as an uninterrupted one', async () => {
    h = await harness(['tushare.daily']);
    const abort = new AbortController();
    let delivered = 0;
    const off = h.controller.events.on((e) => {
      if (e.type === 'rows-delivered' && e.sourceId === 'tushare.daily' && ++delivered === 10)
        abort.abort();
    });
    const first = await h.controller.sync({
      ids: ['tushare.daily'],
      ...RANGE,
      signal: abort.signal,
    });
    off();
    expect(first.status).toBe('cancelled');
    const servedFirst = h.sandbox.counters().byApi['daily']?.served ?? 0;
    const second = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect([second.status, second.reason]).toEqual(['done', undefined]);
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    // At most the requests in flight at the abort are made twice.
    expect((h.sandbox.counters().byApi['daily']?.served ?? 0) - openDays).toBeLessThanOrEqual(4);
    expect(servedFirst).toBeGreaterThanOrEqual(10);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', DAILY));
  });

  it('plans a sync: requests, time at the limits, days against the quota', async () => {
    h = await harness(['tushare.daily'], { controller: { accounts: {} } });
    await h.controller.sync({
      ids: ['tushare.trade_cal'],
      since: '2024-01-01',
      until: '2024-03-29',
    });
    const plan = await h.controller.plan({ ids: ['tushare.daily'], ...RANGE });
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect(plan.find((p) => p.sourceId === 'tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      requests: openDays,
      etaMs: Math.ceil(openDays / (200 / 60_000)),
      days: 1,
      count: 'exact',
    });
  });

  it('plans open days as weekdays where the calendar is not stored, and says so', async () => {
    h = await harness(['tushare.daily']);
    // At the harness's 2,000 calls a second.
    const etaMs = (requests: number) => Math.ceil(requests / 2);
    const dailyOf = async (range: { since: string; until: string }) =>
      (await h?.controller.plan({ ids: ['tushare.daily'], ...range }))?.find(
        (p) => p.sourceId === 'tushare.daily',
      );
    // 2024-01-01 is a Monday, 2024-02-29 a Thursday: January's 23 weekdays and February's 21.
    const weekdays = 23 + 21;
    const before = await h.controller.plan({ ids: ['tushare.daily'], ...RANGE });
    expect(before).toEqual([
      {
        sourceId: 'tushare.trade_cal',
        api: 'trade_cal',
        requests: 1,
        etaMs: etaMs(1),
        days: 1,
        count: 'exact',
      },
      {
        sourceId: 'tushare.daily',
        api: 'daily',
        requests: weekdays,
        etaMs: etaMs(weekdays),
        days: 1,
        count: 'estimate',
        note: 'weekdays where tushare.trade_cal (SSE) is not stored for 2024-01-01..2024-02-29',
      },
    ]);

    // A calendar short of the range: its open days where stored, weekdays past its end.
    await h.controller.sync({
      ids: ['tushare.trade_cal'],
      since: '2024-01-01',
      until: '2024-01-31',
    });
    const january = h.market.openDays('2024-01-01', '2024-01-31').length;
    expect(await dailyOf(RANGE)).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      requests: january + 21,
      etaMs: etaMs(january + 21),
      days: 1,
      count: 'estimate',
      note: 'weekdays where tushare.trade_cal (SSE) is not stored for 2024-01-01..2024-02-29',
    });
    // Within the stored calendar, the count is exact.
    expect(await dailyOf({ since: '2024-01-01', until: '2024-01-31' })).toEqual({
      sourceId: 'tushare.daily',
      api: 'daily',
      requests: january,
      etaMs: etaMs(january),
      days: 1,
      count: 'exact',
    });

    // The sync stores the calendar first and requests the open days, not the weekdays.
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    expect(openDays).toBeLessThan(weekdays);
    const result = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(result.sources.find((s) => s.sourceId === 'tushare.daily')?.requests).toBe(openDays);
  });

  it('plans a fan-out whose keys are not stored as unknown, then by its stored keys', async () => {
    h = await harness(['tushare.index_daily']);
    // At the harness's 2,000 calls a second.
    const etaMs = (requests: number) => Math.ceil(requests / 2);
    const before = await h.controller.plan({ ids: ['tushare.index_daily'], ...RANGE });
    // The index list asks each of its 7 publisher markets.
    expect(before).toEqual([
      {
        sourceId: 'tushare.index_basic',
        api: 'index_basic',
        requests: 7,
        etaMs: etaMs(7),
        days: 1,
        count: 'exact',
      },
      {
        sourceId: 'tushare.index_daily',
        api: 'index_daily',
        requests: 0,
        etaMs: 0,
        days: 1,
        count: 'unknown',
        note: 'counted once tushare.index_basic is stored',
      },
    ]);

    expect((await h.controller.sync({ ids: ['tushare.index_basic'] })).status).toBe('done');
    // One window per index based by the range's end: the window holds 8,000 days.
    const listed = h.market.indices.filter((i) => i.baseDate <= RANGE.until).length;
    expect(listed).toBeGreaterThan(0);
    const after = await h.controller.plan({ ids: ['tushare.index_daily'], ...RANGE });
    expect(after.find((p) => p.sourceId === 'tushare.index_daily')).toEqual({
      sourceId: 'tushare.index_daily',
      api: 'index_daily',
      requests: listed,
      etaMs: etaMs(listed),
      days: 1,
      count: 'exact',
    });
  });

  it('audits a stored table, queues its holes as a backfill, and the next sync fills exactly those', async () => {
    h = await harness(['tushare.stock_basic', 'tushare.daily']);
    const first = await h.controller.sync({
      ids: ['tushare.stock_basic', 'tushare.daily'],
      ...RANGE,
    });
    expect(first.status).toBe('done');
    const daily = h.registry.get('tushare.daily');
    const { table } = daily.storage;
    const lost = await h.storage.knex(table).where('trade_date', '2024-01-03').del();
    expect(lost).toBeGreaterThan(0);
    const expected = (await h.rows('tushare.daily')).length + lost;

    const [report] = await h.controller.audit({ ids: ['tushare.daily'], ...RANGE });
    expect(report).toMatchObject({
      sourceId: 'tushare.daily',
      missing: lost,
      stored: expected - lost,
    });
    expect(report?.holes.map((hole) => hole.date)).toEqual(['2024-01-03']);
    expect(report?.queued).toBeUndefined();

    const [queued] = await h.controller.audit({ ids: ['tushare.daily'], backfill: true, ...RANGE });
    expect(queued?.queued).toBe(1);
    expect((await h.storage.checkpoints.getSourceState('tushare.daily')).pendingTasks).toBe(1);

    const before = h.sandbox.counters().byApi['daily']?.served ?? 0;
    const refill = await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(refill.status).toBe('done');
    expect((h.sandbox.counters().byApi['daily']?.served ?? 0) - before).toBe(1);
    expect(await h.rows('tushare.daily')).toEqual(h.truth('tushare.daily', DAILY));
    const [after] = await h.controller.audit({ ids: ['tushare.daily'], ...RANGE });
    expect(after).toMatchObject({ missing: 0, stored: expected, holes: [] });
  });

  it('reports each quota: calls in the rate window and in the day, used and left', async () => {
    h = await harness(['tushare.daily'], {
      controller: {
        accounts: {
          tushare: {
            label: 'main',
            limits: {
              windows: [{ limit: 2000, windowMs: 60_000 }],
              perDay: 500,
              perInterface: true,
              maxConcurrent: 4,
            },
          },
        },
      },
    });
    const idle = await h.controller.quota();
    expect(idle.map((q) => q.scope).sort()).toEqual([
      'tushare:main:daily',
      'tushare:main:trade_cal',
    ]);
    expect(idle.find((q) => q.scope === 'tushare:main:daily')).toMatchObject({
      provider: 'tushare',
      label: 'main',
      windows: [{ limit: 2000, windowMs: 60_000, used: 0, left: 2000 }],
      day: { used: 0, limit: 500, left: 500 },
    });
    expect(h.controller.running).toBe(false);
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    const daily = (await h.controller.quota()).find((q) => q.scope === 'tushare:main:daily');
    expect(daily).toMatchObject({
      windows: [{ limit: 2000, windowMs: 60_000, used: openDays, left: 2000 - openDays }],
      day: { used: openDays, limit: 500, left: 500 - openDays },
    });
    // A minute later the window is empty; the day still counts.
    const later = (await h.controller.quota(new Date(Date.now() + 61_000))).find(
      (q) => q.scope === 'tushare:main:daily',
    );
    expect(later?.windows[0]?.used).toBe(0);
    expect(later?.day.used).toBe(openDays);
  });
});

describe('SyncController.queueSettledHoles: what a daemon checks after each run', () => {
  it('queues a settled day answered before it settled, not a hole the provider confirmed', async () => {
    h = await harness(['tushare.stock_basic', 'tushare.daily']);
    const ids = ['tushare.stock_basic', 'tushare.daily'];
    expect((await h.controller.sync({ ids, ...RANGE })).status).toBe('done');
    const daily = h.registry.get('tushare.daily');
    // As an earlier version left it: 2024-01-03 asked at 18:05 on the day, before its bars
    // were out, and kept as done with nothing for good.
    const key = 'daily?limit=6000&trade_date=20240103';
    const lost = await h.storage.knex(daily.storage.table).where('trade_date', '2024-01-03').del();
    expect(lost).toBeGreaterThan(0);
    await h.storage
      .knex('dsync_tasks')
      .where({ source_id: 'tushare.daily', key })
      .update({ rows: 0, updated_at: '2024-01-03T10:05:00.000Z' });

    // A cell missing after a final answer: to dsync, a hole the provider confirmed (as a
    // suspended stock's); here, a row deleted since.
    const gone = (await h.rows('tushare.daily')).find((r) => r['trade_date'] === '2024-01-10');
    const goneCode = String(gone?.['ts_code']);
    await h.storage
      .knex(daily.storage.table)
      .where({ trade_date: '2024-01-10', ts_code: goneCode })
      .del();
    const truth = h.truth('tushare.daily', DAILY);
    const [audit] = await h.controller.audit({ ids: ['tushare.daily'], ...RANGE });
    expect(audit?.holes.map((hole) => hole.date)).toEqual(['2024-01-03', '2024-01-10']);

    const checks = await h.controller.queueSettledHoles();
    expect(checks.find((c) => c.sourceId === 'tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      // From the stored calendar's first day: the source was synced from there, not 1990.
      range: { start: RANGE.since, end: RANGE.until },
      missing: lost + 1,
      queued: 1,
      confirmed: 1,
    });
    // The next sync fetches that day, and only it.
    const before = h.sandbox.counters().byApi['daily']?.served ?? 0;
    expect((await h.controller.sync({ ids: ['tushare.daily'], ...RANGE })).status).toBe('done');
    expect((h.sandbox.counters().byApi['daily']?.served ?? 0) - before).toBe(1);
    const missing = (row: Readonly<Record<string, unknown>>) =>
      row['trade_date'] === '2024-01-10' && row['ts_code'] === goneCode;
    expect(await h.rows('tushare.daily')).toEqual(truth.filter((row) => !missing(row)));
    // Checked through the cursor already: the next check has nothing new to look at.
    const checked = new Map([['tushare.daily', RANGE.until]]);
    expect(
      (await h.controller.queueSettledHoles(checked)).filter((c) => c.sourceId === 'tushare.daily'),
    ).toEqual([]);
    // A person's backfill asks every hole again, confirmed or not.
    const [backfill] = await h.controller.audit({
      ids: ['tushare.daily'],
      backfill: true,
      ...RANGE,
    });
    expect(backfill?.queued).toBe(1);
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    expect(await h.rows('tushare.daily')).toEqual(truth);
  });
});
