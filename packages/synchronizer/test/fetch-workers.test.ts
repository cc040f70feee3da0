import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  consume,
  createRabbitSink,
  createRabbitTaskQueue,
  type RabbitTaskQueue,
} from '@dsync/storage-adapters';
import type { Sink } from '@dsync/datasource';
import { clearOfDayEnd } from '@dsync/sandbox';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { createTushareClient } from '../src/clients/tushare-client.js';
import {
  FetchWorker,
  RedisLimits,
  RedisRunEvents,
  SyncController,
  type AccountLimits,
  type FetchWorkerOptions,
  type RunEventsChannel,
  type SyncEvent,
} from '../src/index.js';
import { harness, type Harness } from './harness.js';

jest.setTimeout(60_000);

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const AMQP_URL = process.env['DSYNC_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const RANGE = { since: '2024-01-01', until: '2024-02-29' };
const QUEUED = ['tushare.daily', 'tushare.adj_factor'];

let h: Harness | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await h?.close();
  h = undefined;
});

/** A deployment's shared parts: one queue name, one Redis prefix; deleted after the test. */
function deployment() {
  const name = `dsync-test-${randomUUID().slice(0, 8)}`;
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = [...(await redis.keys(`${name}*`)), ...(await redis.keys(`b_${name}*`))];
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const queue of [name, `${name}.dead`, `${name}.batches`, `${name}.batches.dead`])
      await channel.deleteQueue(queue);
    for (const exchange of [`${name}.x`, `${name}.x.dead`])
      await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  });
  return { queue: name, prefix: name };
}

function openQueue(name: string): RabbitTaskQueue {
  const queue = createRabbitTaskQueue({ url: AMQP_URL, queue: name });
  cleanups.push(() => queue.close());
  return queue;
}

/** One fetch worker, as its own process would have it: its own client, queue connection and Redis connection. */
async function startWorker(
  harnessed: Harness,
  names: { queue: string; prefix: string },
  worker: string,
  limits: AccountLimits,
  onPause?: (resumeAt: string) => void,
  baseUrl = harnessed.sandbox.baseUrl,
  runEvents?: RunEventsChannel,
  extra: Partial<FetchWorkerOptions> = {},
) {
  const shared = new RedisLimits({ url: REDIS_URL, prefix: names.prefix });
  await shared.ready();
  const fetcher = new FetchWorker({
    registry: harnessed.registry,
    queue: openQueue(names.queue),
    clients: {
      tushare: createTushareClient({
        token: harnessed.sandbox.token,
        baseUrl,
        timeoutMs: 5_000,
      }),
    },
    accounts: { tushare: { limits } },
    shared,
    sink: harnessed.storage,
    checkpoints: harnessed.storage.checkpoints,
    worker,
    policy: { retryBaseMs: 10, retryMaxMs: 50 },
    ...(onPause === undefined ? {} : { onPause }),
    ...(runEvents === undefined ? {} : { runEvents }),
    ...extra,
  });
  await fetcher.start();
  cleanups.push(async () => {
    await fetcher.stop();
    await shared.close();
  });
  return fetcher;
}

/** Tushare-like limits: `limit` calls a second per interface, `maxConcurrent` in flight. */
const perSecond = (limit: number, maxConcurrent: number): AccountLimits => ({
  windows: [{ limit, windowMs: 1_000 }],
  maxConcurrent,
  perInterface: true,
});

/**
 * The controller's options for a deployment whose sync and workers share `limits`: the run
 * records them, and a worker with other limits leaves its tasks.
 */
const sharing = (limits: AccountLimits) => ({ accounts: { tushare: { limits } } });

/** A controller over the harness's storage, as the sync's process has it: its own account and limits. */
function syncController(
  harnessed: Harness,
  limits: AccountLimits,
  extra: { baseUrl?: string; sink?: Sink } = {},
): SyncController {
  const { storage, registry, sandbox } = harnessed;
  return new SyncController({
    registry,
    storage: {
      sink: extra.sink ?? storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
    },
    clients: {
      tushare: createTushareClient({
        token: sandbox.token,
        baseUrl: extra.baseUrl ?? sandbox.baseUrl,
        timeoutMs: 5_000,
      }),
    },
    ...sharing(limits),
  });
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('fetch workers sharing one account through Redis and RabbitMQ', () => {
  it('three workers finish a run within a per-window limit: no throttle, the same table as one process', async () => {
    // A 1-second "minute" of 30 calls at the sandbox, and the same limit for the workers.
    h = await harness(['tushare.daily', 'tushare.adj_factor'], {
      sandbox: {
        accounts: [{ token: 'engine-test-token-0123456789', tier: { perMinute: 30, apis: 'all' } }],
        windowMs: 1_000,
      },
      controller: sharing(perSecond(30, 4)),
    });
    const names = deployment();
    const queue = openQueue(names.queue);
    const limits = perSecond(30, 4);
    const enqueued = await h.controller.enqueue(queue, { ids: QUEUED, ...RANGE });
    const openDays = h.market.openDays(RANGE.since, RANGE.until).length;
    expect(enqueued.status).toBe('running');
    expect(enqueued.synced?.sources.map((s) => [s.sourceId, s.status])).toEqual([
      ['tushare.trade_cal', 'done'],
    ]);
    expect(enqueued.queued).toEqual(QUEUED.map((sourceId) => ({ sourceId, tasks: openDays })));
    expect(await queue.depth()).toBe(2 * openDays);

    const harnessed = h;
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map((w) => startWorker(harnessed, names, w, limits)),
    );
    const ending = await until(() => harnessed.controller.settleQueued(enqueued.runId, RANGE));
    expect(ending).toBe('done');

    for (const id of QUEUED) {
      const api = id.slice('tushare.'.length);
      expect(await h.rows(id)).toEqual(
        h.truth(id, { start_date: '20240101', end_date: '20240229' }),
      );
      // Each task fetched once, and not one answer a throttle.
      expect(h.sandbox.counters().byApi[api]).toEqual({
        served: openDays,
        throttled: 0,
        rejected: 0,
        faulted: 0,
      });
    }
    expect(workers.reduce((sum, w) => sum + w.stats.done, 0)).toBe(2 * openDays);
    // The ledger says which worker did each task, and the work was shared.
    const tasks = await h.storage.checkpoints.listTasks({ runId: enqueued.runId, limit: 1_000 });
    expect(tasks).toHaveLength(2 * openDays);
    expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(['done']));
    const byWorker = new Set(tasks.map((t) => t.worker));
    expect([...byWorker].every((w) => ['w1', 'w2', 'w3'].includes(w ?? ''))).toBe(true);
    expect(byWorker.size).toBeGreaterThan(1);
    expect((await h.storage.checkpoints.getSourceState('tushare.daily')).cursor).toBe(RANGE.until);
    expect(await queue.depth()).toBe(0);
  });

  it('a daily limit one worker hears stops them all, and the rest waits on the queue and in the ledger', async () => {
    await clearOfDayEnd(); // its quota counts fall in one provider day
    h = await harness(['tushare.daily'], {
      sandbox: {
        accounts: [
          {
            token: 'engine-test-token-0123456789',
            tier: { perMinute: 1_000, perDay: 15, apis: 'all' },
          },
        ],
      },
      controller: sharing(perSecond(1_000, 2)),
    });
    const names = deployment();
    const queue = openQueue(names.queue);
    const enqueued = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const openDays = h.market.openDays(RANGE.since, RANGE.until).length;
    const limits = perSecond(1_000, 2);
    const harnessed = h;
    const pauses = new Map<string, string>();
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map((w) =>
        startWorker(harnessed, names, w, limits, (resumeAt) => pauses.set(w, resumeAt)),
      ),
    );
    // All paused: nothing in flight, every task not done back on the queue.
    const left = openDays - 15;
    await until(async () =>
      (await queue.depth()) === left && workers.every((w) => w.stats.requeued > 0)
        ? true
        : undefined,
    );
    expect(h.sandbox.counters().byApi['daily']?.served).toBe(15);
    // Stored: exactly the days of the 15 done tasks.
    const done = await h.storage.checkpoints.listTasks({
      sourceId: 'tushare.daily',
      status: 'done',
    });
    const days = new Set(done.map((t) => String(t.args.params['trade_date'])));
    expect(days.size).toBe(15);
    const truth = h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' });
    expect(await h.rows('tushare.daily')).toEqual(
      truth.filter((row) => days.has(String(row['trade_date']).replaceAll('-', ''))),
    );
    const pending = await h.storage.checkpoints.unfinishedTasks('tushare.daily');
    expect(pending).toHaveLength(left);
    // Tried and refused at the limit, or never tried: the workers paused before taking them.
    const tried = pending.filter((t) => t.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    expect(new Set(tried.map((t) => t.lastError?.code))).toEqual(new Set(['E_DAILY_LIMIT']));
    expect(pending.filter((t) => t.attempts === 0 && t.lastError !== undefined)).toEqual([]);
    expect(await h.controller.settleQueued(enqueued.runId, RANGE)).toBeUndefined();
    // The stop is the account's, in Redis, until the provider's day resets.
    const redis = new Redis(REDIS_URL);
    const stop = await redis.get(`${names.prefix}:quota:{tushare:default:daily}:stop`);
    redis.disconnect();
    expect(stop).toMatch(/^\d{4}-\d\d-\d\dT16:00:00.000Z$/);
    // Each worker said it paused, and until when: the account's stop.
    expect(Object.fromEntries(pauses)).toEqual({ w1: stop, w2: stop, w3: stop });
  });

  it('closes a queued run as failed once what is left failed for good', async () => {
    // An account without the daily interface: every daily task is refused for good (no permission).
    h = await harness(['tushare.daily'], {
      sandbox: {
        accounts: [
          {
            token: 'engine-test-token-0123456789',
            tier: { perMinute: 1_000, apis: ['trade_cal'] },
          },
        ],
      },
      controller: sharing(perSecond(1_000, 2)),
    });
    const names = deployment();
    const queue = openQueue(names.queue);
    const enqueued = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const openDays = h.market.openDays(RANGE.since, RANGE.until).length;
    const limits = perSecond(1_000, 2);
    const worker = await startWorker(h, names, 'w1', limits);
    const harnessed = h;
    expect(await until(() => harnessed.controller.settleQueued(enqueued.runId, RANGE))).toBe(
      'failed',
    );
    expect(worker.stats.failed).toBe(openDays);
    const run = await h.storage.checkpoints.getRun(enqueued.runId);
    expect(run).toMatchObject({ status: 'failed', reason: { code: 'E_PERMISSION' } });
    expect((await h.storage.checkpoints.getSourceState('tushare.daily')).cursor).toBeUndefined();
  });

  it('a worker with a wrong base URL fails each misconfigured source at its first answers, drops nothing, and the fixed one finishes', async () => {
    h = await harness(['tushare.daily', 'tushare.adj_factor'], {
      controller: sharing(perSecond(1_000, 4)),
    });
    const names = deployment();
    const queue = openQueue(names.queue);
    // The calendar is stored; then the deployment's config gets a wrong address: the sync's
    // as well as the worker's.
    await h.controller.sync({ ids: ['tushare.trade_cal'], ...RANGE });
    const misconfigured = syncController(h, perSecond(1_000, 4), {
      baseUrl: `${h.sandbox.url}/proxy`,
    });
    const enqueued = await misconfigured.enqueue(queue, { ids: QUEUED, ...RANGE });
    const openDays = h.market.openDays(RANGE.since, RANGE.until).length;
    const harnessed = h;
    const wrong = await startWorker(
      harnessed,
      names,
      'wrong',
      perSecond(1_000, 4),
      undefined,
      `${harnessed.sandbox.url}/proxy`,
    );
    const asked = new Map<string, number>();
    wrong.events.on((event) => {
      if (event.type === 'task-started')
        asked.set(event.sourceId, (asked.get(event.sourceId) ?? 0) + 1);
    });
    expect(await until(() => harnessed.controller.settleQueued(enqueued.runId, RANGE))).toBe(
      'failed',
    );
    // Only the deliveries in hand when the first answer came were asked (4 at most); the
    // rest of each source failed with its reason, without a request.
    for (const id of QUEUED) expect(asked.get(id)).toBeLessThanOrEqual(4);
    expect(wrong.stats).toMatchObject({ done: 0, dropped: 0, failed: 2 * openDays });
    const failed = await h.storage.checkpoints.listTasks({ status: 'failed', limit: 1_000 });
    expect(failed).toHaveLength(2 * openDays);
    expect(new Set(failed.map((t) => t.lastError?.code))).toEqual(
      new Set(['E_MISCONFIGURED_ADDRESS']),
    );
    const run = await h.storage.checkpoints.getRun(enqueued.runId);
    expect(run?.reason?.code).toBe('E_MISCONFIGURED_ADDRESS');
    await wrong.stop();

    // The address fixed: what failed is queued again and stored exactly.
    const again = await h.controller.enqueue(queue, { ids: QUEUED, ...RANGE });
    expect(again.queued).toEqual(QUEUED.map((sourceId) => ({ sourceId, tasks: openDays })));
    await startWorker(harnessed, names, 'fixed', perSecond(1_000, 4));
    expect(await until(() => harnessed.controller.settleQueued(again.runId, RANGE))).toBe('done');
    for (const id of QUEUED)
      expect(await h.rows(id)).toEqual(
        h.truth(id, { start_date: '20240101', end_date: '20240229' }),
      );
  });

  it("follow tells the workers' own events as they happen and closes each source once its tasks settle", async () => {
    h = await harness(QUEUED, { controller: sharing(perSecond(500, 4)) });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    await channel.ready();
    cleanups.push(() => channel.close());
    const enqueued = await h.controller.enqueue(queue, { ids: QUEUED, ...RANGE });
    const days = h.market.openDays(RANGE.since, RANGE.until);
    const events: SyncEvent[] = [];
    h.controller.events.on((e) => events.push(e));
    const following = h.controller.follow(enqueued.runId, { channel, ...RANGE });
    const harnessed = h;
    await Promise.all(
      ['w1', 'w2'].map((w) =>
        startWorker(harnessed, names, w, perSecond(500, 4), undefined, undefined, channel),
      ),
    );
    const result = await following;
    expect(result.status).toBe('done');
    const truth = (id: string) =>
      harnessed.truth(id, { start_date: '20240101', end_date: '20240229' });
    expect(result.sources.map((s) => [s.sourceId, s.status, s.requests, s.rows])).toEqual(
      QUEUED.map((id) => [id, 'done', days.length, truth(id).length]),
    );
    // The workers' events, each task's done once with its real key, before its source closes.
    for (const id of QUEUED) {
      const done = events.filter((e) => e.type === 'task-done' && e.sourceId === id);
      const keys = await harnessed.controller.tasks({
        runId: enqueued.runId,
        sourceId: id,
        limit: 1000,
      });
      expect(keys).toHaveLength(days.length);
      expect(done.map((e) => (e.type === 'task-done' ? e.key : '')).sort()).toEqual(
        keys.map((t) => t.key).sort(),
      );
      const finished = events.findIndex((e) => e.type === 'source-finished' && e.sourceId === id);
      expect(finished).toBeGreaterThan(events.lastIndexOf(done.at(-1) as SyncEvent));
      expect((await harnessed.storage.checkpoints.getSourceState(id)).cursor).toBe(RANGE.until);
      expect(await harnessed.rows(id)).toEqual(truth(id));
    }
    expect(events.at(-1)).toMatchObject({
      type: 'run-finished',
      runId: enqueued.runId,
      status: 'done',
    });
    expect((await h.controller.run(enqueued.runId))?.status).toBe('done');
  });

  it('a cancelled follow leaves the run cancelled: workers leave its tasks pending, the next sync does them', async () => {
    h = await harness(['tushare.daily'], { controller: sharing(perSecond(500, 4)) });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    const enqueued = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    // No worker yet: the follow waits until it is cancelled (Ctrl-C).
    const following = h.controller.follow(enqueued.runId, { channel, ...RANGE });
    await new Promise((resolve) => setTimeout(resolve, 200));
    h.controller.cancel();
    const cancelled = await following;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.sources.map((s) => [s.sourceId, s.status, s.reason?.code])).toEqual([
      ['tushare.daily', 'cancelled', 'E_CANCELLED'],
    ]);
    expect((await h.controller.run(enqueued.runId))?.status).toBe('cancelled');
    // A worker started now takes the cancelled run's tasks off the queue without a request.
    const harnessed = h;
    const worker = await startWorker(harnessed, names, 'w1', perSecond(500, 4));
    await until(() => Promise.resolve(worker.stats.cancelled === days ? true : undefined));
    expect(h.sandbox.counters().byApi['daily']).toBeUndefined();
    expect(
      await h.controller.tasks({ sourceId: 'tushare.daily', status: 'pending', limit: 1000 }),
    ).toHaveLength(days);
    // The next sync queues them again, and the worker does them.
    const again = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    expect(again.queued).toEqual([{ sourceId: 'tushare.daily', tasks: days }]);
    const done = await h.controller.follow(again.runId, { channel, ...RANGE });
    expect(done.status).toBe('done');
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' }),
    );
  });

  it('a source that fails here holds back only what reads it: the others are queued and done', async () => {
    const tier = {
      perMinute: 10_000,
      apis: ['trade_cal', 'daily', 'income'],
    };
    h = await harness(['tushare.income', 'tushare.daily'], {
      sandbox: { accounts: [{ token: 'sandbox-tushare-token', label: 'default', tier }] },
      controller: sharing(perSecond(500, 4)),
    });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    const enqueued = await h.controller.enqueue(queue, {
      ids: ['tushare.income', 'tushare.daily'],
      ...RANGE,
    });
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    const synced = enqueued.synced?.sources.map((s) => [s.sourceId, s.status, s.reason?.code]);
    expect(new Set(synced)).toEqual(
      new Set([
        ['tushare.stock_basic', 'failed', 'E_PERMISSION'],
        ['tushare.trade_cal', 'done', undefined],
      ]),
    );
    expect(enqueued.held.map((s) => [s.sourceId, s.status, s.reason?.code])).toEqual([
      ['tushare.income', 'failed', 'E_DEPENDENCY_FAILED'],
    ]);
    expect(enqueued.status).toBe('running');
    expect(enqueued.queued).toEqual([{ sourceId: 'tushare.daily', tasks: days }]);
    const harnessed = h;
    await startWorker(harnessed, names, 'w1', perSecond(500, 4), undefined, undefined, channel);
    const result = await h.controller.follow(enqueued.runId, { channel, ...RANGE });
    expect(result.status).toBe('done');
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' }),
    );
    expect(h.sandbox.counters().byApi['income']).toBeUndefined();
  });

  it("queues the sources' tasks one source after another in turn, so a worker's few tasks span every scope", async () => {
    h = await harness(QUEUED);
    const names = deployment();
    const queue = openQueue(names.queue);
    const enqueued = await h.controller.enqueue(queue, { ids: QUEUED, ...RANGE });
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    expect(enqueued.queued).toEqual(QUEUED.map((sourceId) => ({ sourceId, tasks: days })));
    // The queue's first messages, as a worker would take them.
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    const first: string[] = [];
    for (let i = 0; i < 6; i++) {
      const message = await channel.get(names.queue, { noAck: true });
      if (message === false) break;
      first.push((JSON.parse(message.content.toString('utf8')) as { sourceId: string }).sourceId);
    }
    await connection.close();
    expect(first).toEqual([...QUEUED, ...QUEUED, ...QUEUED]);
  });

  it('one worker fills every scope at once: its first calls go to both interfaces', async () => {
    h = await harness(QUEUED, { controller: sharing(perSecond(10, 4)) });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    const enqueued = await h.controller.enqueue(queue, { ids: QUEUED, ...RANGE });
    const starts: string[] = [];
    h.controller.events.on((e) => {
      if (e.type === 'task-started') starts.push(e.sourceId);
    });
    const following = h.controller.follow(enqueued.runId, { channel, ...RANGE });
    // 10 calls a second per interface, 4 tasks held: the worker's limits, not its queue, pace it.
    const harnessed = h;
    await startWorker(harnessed, names, 'w1', perSecond(10, 4), undefined, undefined, channel);
    const result = await following;
    expect(result.status).toBe('done');
    // Taken one interface after the other, its first 10 calls would all be daily's.
    const first = starts.slice(0, 10);
    for (const id of QUEUED) expect(first.filter((s) => s === id).length).toBeGreaterThanOrEqual(4);
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    expect(starts.length).toBe(2 * days);
  });

  it('a worker kept from the limits longer than a call may hold them says why', async () => {
    h = await harness(['tushare.daily'], { controller: sharing(perSecond(500, 1)) });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    // Another process holds the account's one slot for 4 s (its call hangs, then expires).
    const holder = fork(join(import.meta.dirname, 'fixtures', 'hold-a-call.mjs'), [
      JSON.stringify({
        redis: REDIS_URL,
        prefix: names.prefix,
        database: `sqlite:${join(mkdtempSync(join(tmpdir(), 'dsync-holder-')), 'ledger.db')}`,
        expirationMs: 4_000,
        limits: perSecond(500, 1),
        account: 'tushare:default',
      }),
    ]);
    cleanups.push(async () => {
      holder.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    await new Promise((resolve) => holder.once('message', resolve));
    const enqueued = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const stalls: string[] = [];
    const harnessed = h;
    await startWorker(harnessed, names, 'w1', perSecond(500, 1), undefined, undefined, channel, {
      jobExpirationMs: 1_000,
      onStall: (message) => stalls.push(message),
    });
    const result = await h.controller.follow(enqueued.runId, { channel, ...RANGE });
    expect(result.status).toBe('done');
    // Waiting past 1 s, a call's longest hold here, it said so; then the slot came back.
    expect(stalls.length).toBeGreaterThan(0);
    expect(stalls[0]).toMatch(
      /^a task of tushare\.daily has waited 1 s for the limits of tushare:default:daily: longer than a crashed worker's calls can hold them/,
    );
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' }),
    );
  });
  it('done means stored: batches no consumer stores keep the cursor, and the run ends E_NOT_STORED; stored later, the next run moves it', async () => {
    h = await harness(['tushare.daily']);
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    const batches = createRabbitSink({
      url: AMQP_URL,
      exchange: `${names.queue}.x`,
      queue: `${names.queue}.batches`,
    });
    cleanups.push(() => batches.close());
    // The sync's controller, as the CLI's: what others read is stored here, and it can look
    // at the data queue.
    const { storage, registry } = h;
    const controller = syncController(h, perSecond(500, 4), {
      sink: {
        name: storage.name,
        ready: () => storage.ready(),
        write: (batch, source) => storage.write(batch, source),
        close: () => Promise.resolve(),
        backlog: () => batches.backlog(),
      },
    });
    const waiting: Extract<SyncEvent, { type: 'batches-waiting' }>[] = [];
    controller.events.on((e) => {
      if (e.type === 'batches-waiting') waiting.push(e);
    });
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    const first = await controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const harnessed = h;
    const worker = await startWorker(
      harnessed,
      names,
      'w1',
      perSecond(500, 4),
      undefined,
      undefined,
      channel,
      { sink: batches },
    );
    const stopped = await controller.follow(first.runId, {
      channel,
      ...RANGE,
      storeTimeoutMs: 1_500,
      checkEveryMs: 200,
    });
    expect(worker.stats.done).toBe(days);
    const [daily] = stopped.sources;
    expect([stopped.status, daily?.status, daily?.reason?.code, daily?.done]).toEqual([
      'stopped',
      'stopped',
      'E_NOT_STORED',
      days,
    ]);
    expect(daily?.reason?.message).toBe(
      `${days} batches of tushare.daily fetched but not stored after 2 s (waiting in ` +
        `${names.queue}.batches, no storing worker connected): its cursor stays; once they are ` +
        'stored, the next sync moves it.',
    );
    expect(waiting.at(-1)).toEqual({
      type: 'batches-waiting',
      runId: first.runId,
      sources: [{ sourceId: 'tushare.daily', batches: days }],
      batches: days,
      queue: `${names.queue}.batches`,
      consumers: 0,
    });
    expect((await storage.checkpoints.getSourceState('tushare.daily')).cursor).toBeUndefined();
    expect(await storage.checkpoints.awaitingStore('tushare.daily')).toBe(days);
    expect((await storage.checkpoints.getRun(first.runId))?.status).toBe('stopped');

    // A storing worker comes; the next sync has nothing to fetch, and waits for it to store.
    const storing = consume({
      url: AMQP_URL,
      queue: `${names.queue}.batches`,
      sink: storage,
      sources: (id) => (registry.has(id) ? registry.get(id) : undefined),
      receipts: storage.checkpoints,
    });
    cleanups.push(() => storing.close());
    const second = await controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    expect(second.queued).toEqual([{ sourceId: 'tushare.daily', tasks: 0 }]);
    await storing.ready();
    const done = await controller.follow(second.runId, { channel, ...RANGE, checkEveryMs: 200 });
    expect(done.status).toBe('done');
    expect(storing.stats().acked).toBe(days);
    expect(await storage.checkpoints.awaitingStore('tushare.daily')).toBe(0);
    expect((await storage.checkpoints.getSourceState('tushare.daily')).cursor).toBe(RANGE.until);
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' }),
    );
    expect(h.sandbox.counters().byApi['daily']?.served).toBe(days);
  });
  it('a worker whose limits differ from the sync’s never fetches: it says why once and leaves the tasks to a matching worker', async () => {
    h = await harness(['tushare.daily'], { controller: sharing(perSecond(500, 4)) });
    const names = deployment();
    const queue = openQueue(names.queue);
    const channel = new RedisRunEvents({ url: REDIS_URL, prefix: names.prefix });
    cleanups.push(() => channel.close());
    const enqueued = await h.controller.enqueue(queue, { ids: ['tushare.daily'], ...RANGE });
    const told: SyncEvent[] = [];
    h.controller.events.on((e) => {
      if (e.type === 'worker-mismatch') told.push(e);
    });
    const following = h.controller.follow(enqueued.runId, { channel, ...RANGE });
    const harnessed = h;
    const said: string[] = [];
    // Its config says 900 calls a second: with the run's 500, the deployment would go past it.
    const other = await startWorker(
      harnessed,
      names,
      'other',
      perSecond(900, 4),
      undefined,
      undefined,
      channel,
      {
        onMismatch: (message) => said.push(message),
      },
    );
    await until(() => Promise.resolve(other.stats.mismatched >= 4 ? true : undefined));
    expect(h.sandbox.counters().byApi['daily']).toBeUndefined();
    const matching = await startWorker(
      harnessed,
      names,
      'matching',
      perSecond(500, 4),
      undefined,
      undefined,
      channel,
    );
    const result = await following;
    expect(result.status).toBe('done');
    const days = h.market.openDays(RANGE.since, RANGE.until).length;
    expect([other.stats.done, matching.stats.done]).toEqual([0, days]);
    const message =
      `worker other leaves the tasks of tushare.daily in run ${enqueued.runId} to other ` +
      "workers: its config differs from the sync's (limits). Start it with the sync's config " +
      'file (every worker restarts after a change).';
    // Logged once; told to the follower again while it goes on leaving tasks.
    expect(said).toEqual([message]);
    expect(told.length).toBeGreaterThan(0);
    for (const event of told)
      expect(event).toEqual({
        type: 'worker-mismatch',
        sourceId: 'tushare.daily',
        worker: 'other',
        differs: ['limits'],
        message,
      });
    expect(await h.rows('tushare.daily')).toEqual(
      h.truth('tushare.daily', { start_date: '20240101', end_date: '20240229' }),
    );
    expect(h.sandbox.counters().byApi['daily']?.served).toBe(days);
  });
});
