import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { DataSourceRegistry } from '@dsync/datasource';
import {
  clearOfDayEnd,
  Market,
  startTushareSandbox,
  type MarketOptions,
  type TushareSandbox,
} from '@dsync/sandbox';
import {
  dailyTruth,
  freshPostgres,
  freshVhost,
  marketOver,
  projectConfig,
  projectDb,
  psql,
  start,
  startInTerminal,
  storedDaily,
  TOKEN,
  TOKEN_ENV,
  useProjects,
  waitUntil,
  dsync,
  freshRedis,
  redisCli,
  type Finished,
  type Running,
} from './e2e-helpers.js';

jest.setTimeout(120_000);

/** 59 open days of 6 symbols: a daily request each. */
const {
  market: MARKET,
  range: RANGE,
  days: DAYS,
  truth: truthKeys,
} = marketOver('cli-distributed', 6, '2024-01-01', '2024-03-29');

const DAILY = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');
const TABLE = DAILY.storage.table;

interface Deployment {
  readonly dir: string;
  readonly db: string;
  readonly redis: Awaited<ReturnType<typeof freshRedis>>;
  readonly sandbox: TushareSandbox;
}

const cleanups: (() => Promise<unknown>)[] = [];
const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) r.signal('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const queryInt = async (db: string, sql: string) =>
  Number(await psql(new URL(db).pathname.slice(1), sql));

/** The ledger's daily tasks with this status. */
const tasksWith = (db: string, status: string) =>
  queryInt(
    db,
    `select count(*) from dsync_tasks where source_id = 'tushare.daily' and status = '${status}'`,
  );

const dailyRows = (db: string) => queryInt(db, `select count(*) from ${TABLE}`);

describe('distributed mode, end to end (real processes, PostgreSQL, RabbitMQ, Redis)', () => {
  const project = useProjects();

  /** A deployment's services of its own, and its config: the sandbox's limits as `tier`. */
  async function deployment(
    tier: { perMinute: number; perDay?: number },
    options: {
      windowMs?: number;
      perMinute: number;
      market?: MarketOptions;
      sources?: readonly string[];
      /** The replica's answer time (ms). */
      latencyMs?: number;
      /** The account's request timeout (ms). */
      timeoutMs?: number;
    },
  ): Promise<Deployment> {
    const [pg, vhost, redis, sandbox] = await Promise.all([
      freshPostgres(),
      freshVhost(),
      freshRedis(),
      startTushareSandbox({
        market: new Market(options.market ?? MARKET),
        accounts: [{ token: TOKEN, tier: { ...tier, apis: 'all' } }],
        ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
        ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
      }),
    ]);
    cleanups.push(pg.drop, vhost.remove, redis.remove, () => sandbox.close());
    const dir = project({
      'dsync.config.yaml':
        projectConfig({
          url: sandbox.url,
          storage: pg.url,
          queue: vhost.url,
          perMinute: options.perMinute,
          sources: options.sources ?? ['tushare.trade_cal', 'tushare.daily'],
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        }) + `distributed:\n  redis: ${redis.url}\n  prefix: ${redis.prefix}\n`,
    });
    return { dir, db: pg.url, redis, sandbox };
  }

  /** `dsync worker` storing batches, and `n` fetch workers named w1…wn, all ready. */
  async function startWorkers(d: Deployment, n: number, fetchFlags: readonly string[] = []) {
    const data = start(d.dir, ['worker'], TOKEN_ENV);
    running.push(data);
    const fetchers = Array.from({ length: n }, (_, i) => {
      const w = start(
        d.dir,
        ['worker', '--fetch', '--name', `w${i + 1}`, '--every', '10', ...fetchFlags],
        TOKEN_ENV,
      );
      running.push(w);
      return w;
    });
    await data.waitFor('Worker consuming dsync.batches');
    await Promise.all(fetchers.map((w) => w.waitFor('taking tasks from dsync.tasks')));
    return { data, fetchers };
  }

  /** SIGTERM: each stops with exit 0 and says what it did. */
  async function stopAll(processes: readonly Running[]): Promise<Finished[]> {
    for (const p of processes) p.signal('SIGTERM');
    const finished = await Promise.all(processes.map((p) => p.done));
    for (const f of finished) expect(f.code).toBe(0);
    return finished;
  }

  const noSecrets = (d: Deployment, outputs: readonly Finished[]) => {
    for (const o of outputs) {
      const text = o.stdout + o.stderr;
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(d.redis.password);
    }
  };

  it('three fetch workers share one per-window limit: no throttle, the exact table, the work shared', async () => {
    // The sandbox allows 12 calls in any 1-second span; the account's 600 a minute paces every
    // worker together at under 10 a second, which three workers with limits of their own would triple.
    const d = await deployment({ perMinute: 12 }, { windowMs: 1_000, perMinute: 600 });
    const { data, fetchers } = await startWorkers(d, 3);
    const sync = await dsync(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain('tushare.trade_cal: done, 1 request');
    expect(sync.stdout).toContain(
      `tushare.daily: ${DAYS} tasks queued on dsync.tasks for the fetch workers`,
    );
    const truth = truthKeys();
    expect(sync.stdout).toMatch(
      new RegExp(
        `tushare\\.daily: ${DAYS} of ${DAYS} tasks settled by [23] fetch workers, ${truth.length.toLocaleString('en-US')} rows`,
      ),
    );
    // Settled means published to RabbitMQ; the data worker stores it.
    await waitUntil(async () => (await dailyRows(d.db)) === truth.length);
    expect(await storedDaily(d.db)).toEqual(truth);
    expect(d.sandbox.counters().byApi['daily']).toEqual({
      served: DAYS,
      throttled: 0,
      rejected: 0,
      faulted: 0,
    });
    expect(d.sandbox.counters().total.throttled).toBe(0);
    const workers = (
      await psql(
        new URL(d.db).pathname.slice(1),
        "select distinct worker from dsync_tasks where source_id = 'tushare.daily' order by worker",
      )
    ).split('\n');
    expect(workers.every((w) => ['w1', 'w2', 'w3'].includes(w))).toBe(true);
    expect(workers.length).toBeGreaterThan(1);
    expect(await tasksWith(d.db, 'done')).toBe(DAYS);
    const runs = JSON.parse((await dsync(d.dir, ['runs', '--json'], TOKEN_ENV)).stdout) as {
      status: string;
      sourceIds: string[];
    }[];
    // The calendar's run, here, and the queued run the workers did.
    expect(runs.map((r) => [r.status, r.sourceIds]).sort()).toEqual([
      ['done', ['tushare.daily']],
      ['done', ['tushare.trade_cal']],
    ]);

    const stopped = await stopAll([...fetchers, data]);
    const done = stopped
      .slice(0, 3)
      .map((f) => Number(/stopped: (\d+) done, 0 dropped, 0 failed/.exec(f.stdout)?.[1]));
    expect(done.reduce((a, b) => a + b, 0)).toBe(DAYS);
    noSecrets(d, [sync, ...stopped]);

    // One process, the same range, its own SQLite: the same table.
    const single = project({
      'dsync.config.yaml': projectConfig({ url: d.sandbox.url, perMinute: 600 }),
    });
    expect((await dsync(single, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV)).code).toBe(0);
    expect(await storedDaily(projectDb(single))).toEqual(await storedDaily(d.db));
  });

  it('a fetch worker killed mid-run loses nothing: the others finish, no duplicate row, at most its prefetch fetched twice', async () => {
    const PREFETCH = 3;
    const d = await deployment({ perMinute: 10_000 }, { perMinute: 300 });
    const { data, fetchers } = await startWorkers(d, 3, ['--prefetch', String(PREFETCH)]);
    const sync = start(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    running.push(sync);
    const [victim, ...others] = fetchers as [Running, Running, Running];
    // Some of its tasks are done: it holds more, fetched or not.
    await waitUntil(
      async () =>
        (await queryInt(
          d.db,
          "select count(*) from dsync_tasks where worker = 'w1' and status = 'done'",
        )) >= 3,
    );
    victim.signal('SIGKILL');
    expect((await victim.done).code).toBeNull();
    const synced = await sync.done;
    expect(synced.code).toBe(0);
    const truth = truthKeys();
    await waitUntil(async () => (await dailyRows(d.db)) === truth.length);
    expect(await storedDaily(d.db)).toEqual(truth);
    expect(
      await queryInt(d.db, `select count(*) - count(distinct (ts_code, trade_date)) from ${TABLE}`),
    ).toBe(0);
    expect(await tasksWith(d.db, 'done')).toBe(DAYS);
    // What w1 held unacknowledged went to the others; fetched once more at most.
    const served = d.sandbox.counters().byApi['daily']?.served ?? 0;
    expect(served).toBeGreaterThanOrEqual(DAYS);
    expect(served).toBeLessThanOrEqual(DAYS + PREFETCH);
    const stopped = await stopAll([...others, data]);
    noSecrets(d, [synced, ...stopped]);
  });

  it('every fetch worker killed mid-call: new ones get the limits back once the dead calls expire, and finish exactly', async () => {
    // Answers take 400 ms, 4 calls in flight at most across the deployment: a kill always
    // finds calls running, which hold the account's 4 slots in Redis. A call may hold its slot
    // for the 3 s request timeout and 15 s: the bound a crash costs.
    const BOUND_MS = 3_000 + 15_000;
    const d = await deployment(
      { perMinute: 10_000 },
      { perMinute: 6_000, latencyMs: 400, timeoutMs: 3_000 },
    );
    const first = await startWorkers(d, 2);
    const sync = start(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    running.push(sync);
    await waitUntil(async () => (await tasksWith(d.db, 'done')) >= 8);
    for (const w of first.fetchers) w.signal('SIGKILL');
    for (const w of first.fetchers) expect((await w.done).code).toBeNull();
    const killedAt = Date.now();
    const left = DAYS - (await tasksWith(d.db, 'done'));
    expect(left).toBeGreaterThan(0);
    const fresh = Array.from({ length: 2 }, (_, i) => {
      const w = start(d.dir, ['worker', '--fetch', '--name', `n${i + 1}`], TOKEN_ENV);
      running.push(w);
      return w;
    });
    const synced = await sync.done;
    const recoveredMs = Date.now() - killedAt;
    expect(synced.code).toBe(0);
    // The dead calls' slots came back within the bound; the rest is the work left (400 ms a
    // call, 4 at a time) and slack for a loaded machine.
    expect(recoveredMs).toBeLessThan(BOUND_MS + Math.ceil(left / 4) * 400 + 15_000);
    console.log(
      `all fetch workers killed: the run ended ${recoveredMs} ms later (${left} tasks left)`,
    );
    const truth = truthKeys();
    await waitUntil(async () => (await dailyRows(d.db)) === truth.length);
    expect(await storedDaily(d.db)).toEqual(truth);
    expect(await tasksWith(d.db, 'done')).toBe(DAYS);
    const stopped = await stopAll([...fresh, first.data]);
    noSecrets(d, [synced, ...stopped]);
  });

  it('a daily limit one worker hears stops them all: sync exits 3 naming the reset, the rest waits in the ledger', async () => {
    await clearOfDayEnd(); // its quota counts fall in one provider day
    const PER_DAY = 15;
    const d = await deployment({ perMinute: 10_000, perDay: PER_DAY }, { perMinute: 6_000 });
    const { data, fetchers } = await startWorkers(d, 3, ['--prefetch', '2']);
    const sync = await dsync(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(sync.code).toBe(3);
    const stop = await redisCli(
      '--user',
      d.redis.url.slice('redis://'.length).split(':')[0] as string,
      '--pass',
      d.redis.password,
      '--no-auth-warning',
      'GET',
      `${d.redis.prefix}:quota:{tushare:default:daily}:stop`,
    );
    // The provider's day ends at midnight in Shanghai.
    expect(stop).toMatch(/^\d{4}-\d\d-\d\dT16:00:00\.000Z$/);
    expect(sync.stdout).toContain(
      `Stopped at a limit: the daily quota of tushare:default:daily is spent; the fetch workers resume at ${stop}`,
    );
    for (const w of fetchers) await w.waitFor(`paused until ${stop} (daily limit)`);
    // Every task not done is pending again, none held by a worker.
    await waitUntil(
      async () =>
        (await tasksWith(d.db, 'done')) === PER_DAY &&
        (await tasksWith(d.db, 'pending')) === DAYS - PER_DAY,
    );
    expect(d.sandbox.counters().byApi['daily']?.served).toBe(PER_DAY);
    const runs = JSON.parse((await dsync(d.dir, ['runs', '--json'], TOKEN_ENV)).stdout) as {
      status: string;
      sourceIds: string[];
      resumeAfter?: string;
    }[];
    // The queued run is recorded stopped; the next sync after the reset queues the rest.
    expect(runs.find((r) => r.sourceIds.includes('tushare.daily'))).toMatchObject({
      status: 'stopped',
      resumeAfter: stop,
    });
    const stopped = await stopAll([...fetchers, data]);
    noSecrets(d, [sync, ...stopped]);
  });

  it('--no-wait returns once queued; Ctrl-C while following cancels that run, and the workers do the queued one', async () => {
    const d = await deployment({ perMinute: 10_000 }, { perMinute: 6_000 });
    const queued = await dsync(d.dir, ['sync', 'tushare.daily', ...RANGE, '--no-wait'], TOKEN_ENV);
    expect(queued.code).toBe(0);
    const runId = /Run (run-\S+) queued: dsync worker --fetch processes fetch it\./.exec(
      queued.stdout,
    )?.[1];
    expect(runId).toBeDefined();
    expect(await tasksWith(d.db, 'pending')).toBe(DAYS);
    // No worker yet: the wait goes on until Ctrl-C.
    const waiting = start(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    running.push(waiting);
    await waiting.waitFor(`tushare.daily: ${DAYS} tasks queued on dsync.tasks`);
    waiting.signal('SIGINT');
    const stopped = await waiting.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain(
      `Cancelled: the run is recorded cancelled, and the fetch workers leave its ${DAYS} tasks left pending`,
    );
    const runs = JSON.parse((await dsync(d.dir, ['runs', '--json'], TOKEN_ENV)).stdout) as {
      id: string;
      status: string;
    }[];
    // The followed run says so; the --no-wait one is the workers' still.
    expect(runs.filter((r) => r.id !== runId).map((r) => r.status)).toContain('cancelled');
    expect(runs.find((r) => r.id === runId)?.status).toBe('running');
    // The workers do the --no-wait run's tasks once they run: the table is complete, each row once.
    const { data, fetchers } = await startWorkers(d, 2);
    const truth = truthKeys();
    await waitUntil(
      async () =>
        (await tasksWith(d.db, 'done')) === DAYS && (await dailyRows(d.db)) === truth.length,
    );
    expect(await storedDaily(d.db)).toEqual(truth);
    const finished = await stopAll([...fetchers, data]);
    noSecrets(d, [queued, stopped, ...finished]);
  });

  it('daemon queues what is due for the fetch workers, closes the run once they settled it, and Ctrl-C stops it', async () => {
    // The daemon syncs up to the latest published day, so this market runs up to today.
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const market: MarketOptions = { seed: 'cli-distributed-daemon', symbols: 4, start: since };
    const d = await deployment(
      { perMinute: 10_000 },
      {
        perMinute: 6_000,
        market,
        sources: [
          `{ extends: tushare.trade_cal, since: ${since} }`,
          `{ extends: tushare.daily, since: ${since}, schedule: '* * * * * *' }`,
        ],
      },
    );
    const { data, fetchers } = await startWorkers(d, 2);
    const daemon = start(d.dir, ['daemon'], TOKEN_ENV);
    running.push(daemon);
    await daemon.waitFor(' start: queued tushare.daily ');
    const runId = / start: queued tushare\.daily \d+ tasks? \((run-[^)]+)\)/.exec(
      daemon.stdout(),
    )?.[1] as string;
    // The every-second schedule closes the run once the workers are done with it.
    await daemon.waitFor(`: ${runId} done`);
    daemon.signal('SIGINT');
    const stopped = await daemon.done;
    expect(stopped.code).toBe(0);
    const status = JSON.parse((await dsync(d.dir, ['status', '--json'], TOKEN_ENV)).stdout) as {
      sourceId: string;
      cursor: string;
      pendingTasks: number;
    }[];
    const daily = status.find((s) => s.sourceId === 'tushare.daily');
    const cursor = daily?.cursor as string;
    // The worker stores what the fetch workers fetched; once it has, nothing is pending.
    await waitUntil(async () => (await tasksWith(d.db, 'pending')) === 0);
    const settled = dailyTruth(market, since, cursor);
    await waitUntil(
      async () =>
        (await storedDaily(d.db)).filter((key) => key.slice(-10) <= cursor).length ===
        settled.length,
    );
    // Settled days hold exactly the final truth; the days after them were asked again on
    // each run the schedule queued, at least once each.
    expect((await storedDaily(d.db)).filter((key) => key.slice(-10) <= cursor)).toEqual(settled);
    expect(d.sandbox.counters().byApi['daily']?.served).toBeGreaterThanOrEqual(
      new Market(market).openDays(since, cursor).length,
    );
    const finished = await stopAll([...fetchers, data]);
    noSecrets(d, [stopped, ...finished]);
  });

  it('shows the queued run as a live display at a terminal, from the ledger', async () => {
    const d = await deployment({ perMinute: 10_000 }, { perMinute: 1_200 });
    const { data, fetchers } = await startWorkers(d, 1);
    const { code, stdout } = await startInTerminal(
      d.dir,
      ['sync', 'tushare.daily', ...RANGE],
      TOKEN_ENV,
    ).done;
    expect(code).toBe(0);
    const frames = stdout.split('\r\u001b[0J').slice(1);
    expect(frames.length).toBeGreaterThan(2);
    const rows = truthKeys().length;
    const last = (frames.at(-1) as string).split('\r\n');
    expect(last[0]).toMatch(
      new RegExp(`^tushare\\.daily  \\[#{10}\\]  ${DAYS}/${DAYS} req  ${rows} rows  done in `),
    );
    expect(stdout).toContain(`tushare.daily: ${DAYS} of ${DAYS} tasks settled by 1 fetch worker`);
    await stopAll([...fetchers, data]);
  });

  it('refuses distributed mode over SQLite, naming the key and why (exit 2)', async () => {
    const dir = project({
      'dsync.config.yaml':
        'storage: sqlite:dsync.db\nqueue: memory\ndistributed:\n  redis: redis://u:hidden-pw-1234@127.0.0.1:6379\n',
    });
    const result = await dsync(dir, ['worker', '--fetch'], TOKEN_ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'storage: distributed mode (the distributed key) needs a postgres://, postgresql://, mysql:// or mariadb:// URL: the ledger is shared by processes on several machines; got "sqlite:dsync.db"',
    );
    expect(result.stderr).toContain(
      'queue: distributed mode (the distributed key) needs an amqp://',
    );
    expect(result.stderr).not.toContain('hidden-pw-1234');
  });
});
