/**
 * Distributed mode left running, as an operator would: PostgreSQL, RabbitMQ and Redis of the
 * machine, real `dsync sync`, `dsync worker --fetch` and `dsync worker` processes.
 * - Every fetch worker SIGKILLed at seeded random points, fresh ones started each time: the
 *   limits the dead held come back within the documented bound, the run ends within it plus
 *   the work left, and the table is exactly the ground truth.
 * - A long sync (10 minutes in the full suite) under `--trace-warnings`: no process prints a
 *   warning (a listener leak shows as MaxListenersExceededWarning).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Market, startTushareSandbox, type TushareSandbox } from '@dsync/sandbox';
import {
  freshPostgres,
  freshRedis,
  freshVhost,
  marketOver,
  projectConfig,
  psql,
  TOKEN,
  TOKEN_ENV,
  type Finished,
  type Running,
} from '../test/e2e-helpers.js';
import {
  bySize,
  dailyTruthSum,
  duplicateKeys,
  prng,
  storedSum,
  useSecretScan,
  type SecretScan,
} from './harness.js';

/** Set DSYNC_KILL_SEED to replay a run's kill points; the seed is in the test's name. */
const SEED = Number(process.env.DSYNC_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** The account's request timeout; a dead call's share of the limits is freed 15 s after it. */
const TIMEOUT_MS = 3_000;
const BOUND_MS = TIMEOUT_MS + 15_000;
/** projectConfig's `maxConcurrent`: calls in flight across the deployment. */
const MAX_CONCURRENT = 4;
/** Time a loaded machine may add to any measured wait (process start, a 2-core CI box). */
const SLACK_MS = 15_000;

const cleanups: (() => Promise<unknown>)[] = [];
const processes: Running[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.signal('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const pollEvery = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Deployment {
  readonly dir: string;
  readonly db: string;
  readonly sandbox: TushareSandbox;
  readonly env: NodeJS.ProcessEnv;
}

/** Services of its own, one config for every process, the secrets registered for the scan. */
async function deployment(
  scan: SecretScan,
  market: ReturnType<typeof marketOver>['market'],
  options: { perMinute: number; latencyMs: number; env?: NodeJS.ProcessEnv },
): Promise<Deployment> {
  const [pg, vhost, redis, sandbox] = await Promise.all([
    freshPostgres(),
    freshVhost(),
    freshRedis(),
    startTushareSandbox({
      market: new Market(market),
      accounts: [{ token: TOKEN, tier: { perMinute: 100_000, apis: 'all' } }],
      latencyMs: options.latencyMs,
    }),
  ]);
  cleanups.push(pg.drop, vhost.remove, redis.remove, () => sandbox.close());
  scan.secret(TOKEN, redis.password);
  scan.postgres(pg.url);
  // The Redis URL, password and all, stays out of the project's files: they are scanned too.
  const env = { ...TOKEN_ENV, DSYNC_REDIS_URL: redis.url, ...options.env };
  const dir = scan.project(
    {
      'dsync.config.yaml':
        projectConfig({
          url: sandbox.url,
          storage: pg.url,
          queue: vhost.url,
          perMinute: options.perMinute,
          timeoutMs: TIMEOUT_MS,
        }) + `distributed:\n  redis: "\${DSYNC_REDIS_URL}"\n  prefix: ${redis.prefix}\n`,
    },
    env,
  );
  return { dir, db: pg.url, sandbox, env };
}

const doneTasks = async (db: string) =>
  Number(
    await psql(
      new URL(db).pathname.slice(1),
      "select count(*) from dsync_tasks where source_id = 'tushare.daily' and status = 'done'",
    ),
  );

function spawn(scan: SecretScan, d: Deployment, args: readonly string[]): Running {
  const running = scan.start(d.dir, args, d.env);
  processes.push(running);
  return running;
}

async function fetchWorkers(scan: SecretScan, d: Deployment, names: readonly string[]) {
  const workers = names.map((name) =>
    spawn(scan, d, ['worker', '--fetch', '--name', name, '--every', '50']),
  );
  await Promise.all(workers.map((w) => w.waitFor('taking tasks from dsync.tasks')));
  return workers;
}

/** SIGTERM, in order; each must stop with exit 0. */
async function stopAll(running: readonly Running[]): Promise<Finished[]> {
  for (const r of running) r.signal('SIGTERM');
  const finished = await Promise.all(running.map((r) => r.done));
  for (const f of finished) expect(f.code).toBe(0);
  return finished;
}

describe('distributed mode, crashed and left running', () => {
  const scan = useSecretScan();

  const KILLS = bySize(1, 5);
  const crashMarket = marketOver(
    'reliability-distributed',
    bySize(4, 8),
    '2024-01-01',
    bySize('2024-03-29', '2024-12-31'),
  );

  it(`every fetch worker SIGKILLed ${KILLS} times (seed ${SEED}): the dead calls' limits come back within ${BOUND_MS / 1000} s, the table is exact`, async () => {
    const { market, range, days } = crashMarket;
    const LATENCY_MS = 300;
    const d = await deployment(scan, market, { perMinute: 6_000, latencyMs: LATENCY_MS });
    const data = spawn(scan, d, ['worker']);
    await data.waitFor('Worker consuming dsync.batches');
    let fetchers = await fetchWorkers(scan, d, ['k0-a', 'k0-b']);
    const sync = spawn(scan, d, ['sync', 'tushare.daily', ...range]);

    // Kill points, in tasks done, over the run's middle: each leaves work for the next workers.
    const random = prng(SEED);
    const points = new Set<number>();
    while (points.size < KILLS)
      points.add(Math.floor(days * 0.05) + 1 + Math.floor(random() * days * 0.8));
    const recoveries: number[] = [];
    let lastKillAt = 0;
    let leftAtLastKill = 0;
    for (const [round, point] of [...points].sort((a, b) => a - b).entries()) {
      while ((await doneTasks(d.db)) < point) await pollEvery(20);
      for (const w of fetchers) w.signal('SIGKILL');
      for (const w of fetchers) expect((await w.done).code).toBeNull();
      const killedAt = Date.now();
      const doneAtKill = await doneTasks(d.db);
      fetchers = await fetchWorkers(scan, d, [`k${round + 1}-a`, `k${round + 1}-b`]);
      // Recovered: the fresh workers got a task done, so the dead calls' slots came back.
      while ((await doneTasks(d.db)) === doneAtKill && doneAtKill < days) await pollEvery(50);
      recoveries.push(Date.now() - killedAt);
      lastKillAt = killedAt;
      leftAtLastKill = days - doneAtKill;
    }
    const synced = await sync.done;
    const endedMs = Date.now() - lastKillAt;
    expect(synced.code).toBe(0);
    for (const ms of recoveries) expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
    // The bound, then the work left: LATENCY_MS a call, MAX_CONCURRENT at a time.
    expect(endedMs).toBeLessThan(
      BOUND_MS + Math.ceil(leftAtLastKill / MAX_CONCURRENT) * LATENCY_MS + SLACK_MS,
    );
    console.log(
      `seed ${SEED}: ${KILLS} kills of every fetch worker; recovered after ` +
        `${recoveries.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; ` +
        `the run ended ${(endedMs / 1000).toFixed(1)} s after the last kill (${leftAtLastKill} tasks left then)`,
    );
    // Done means stored: the table is whole when the sync returns.
    expect(await storedSum(d.db, 'tushare.daily')).toEqual(
      dailyTruthSum(market, range[1] as string, range[3] as string),
    );
    expect(await duplicateKeys(d.db, 'tushare.daily')).toBe(0);
    expect(await doneTasks(d.db)).toBe(days);
    await stopAll([...fetchers, data]);
  });

  // dsync spreads an account's calls over its minute: n calls at p a minute take n / p minutes.
  // 59 open days (small) or 616 (full) at 60 a minute.
  const LONG_MINUTES = bySize(1, 10);
  it(
    `a ${LONG_MINUTES}-minute distributed sync under --trace-warnings: no process prints a warning, the table is exact`,
    async () => {
      const perMinute = 60;
      const { market, range, days } = marketOver(
        'reliability-long',
        3,
        bySize('2024-01-01', '2022-01-01'),
        bySize('2024-03-31', '2024-06-30'),
      );
      const minutes = days / perMinute;
      expect(Math.round(minutes)).toBe(LONG_MINUTES);
      const d = await deployment(scan, market, {
        perMinute,
        latencyMs: 50,
        env: { NODE_OPTIONS: '--trace-warnings' },
      });
      const data = spawn(scan, d, ['worker']);
      await data.waitFor('Worker consuming dsync.batches');
      const fetchers = await fetchWorkers(scan, d, ['long-a', 'long-b']);
      const started = Date.now();
      const synced = await spawn(scan, d, ['sync', 'tushare.daily', ...range]).done;
      const tookMs = Date.now() - started;
      expect(synced.code).toBe(0);
      expect(tookMs).toBeGreaterThan(minutes * 60_000 * 0.9);
      const stopped = await stopAll([...fetchers, data]);
      for (const output of [synced, ...stopped])
        expect(output.stderr).not.toMatch(/\(node:\d+\) \[?\w*Warning/);
      // Plain lines in a pipe, at a steady pace: a progress line at least every 10 s of requests.
      expect(synced.stderr).toMatch(/tushare\.daily: \d+\/\d+ requests/);
      console.log(
        `long sync: ${days} requests over ${(tookMs / 60_000).toFixed(1)} min, no warning from ` +
          `${stopped.length + 1} processes under --trace-warnings`,
      );
      expect(await storedSum(d.db, 'tushare.daily')).toEqual(
        dailyTruthSum(market, range[1] as string, range[3] as string),
      );
    },
    (LONG_MINUTES + 10) * 60_000,
  );
});
