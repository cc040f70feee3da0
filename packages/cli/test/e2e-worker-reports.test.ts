import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSourceRegistry } from '@dsync/datasource';
import { Market, startTushareSandbox } from '@dsync/sandbox';
import { WORKER_STOP_MS } from '../src/worker/stop-time.js';
import {
  dsync,
  freshPostgres,
  freshRedis,
  freshVhost,
  lockTable,
  marketOver,
  projectConfig,
  psql,
  redisCli,
  start,
  storedDaily,
  TOKEN,
  TOKEN_ENV,
  useProjects,
  waitUntil,
  type Finished,
  type Running,
} from './e2e-helpers.js';

jest.setTimeout(90_000);

const run = promisify(execFile);

/** 59 open days of 6 symbols: a daily request each. */
const {
  market: MARKET,
  range: RANGE,
  days: DAYS,
  truth: truthKeys,
} = marketOver('cli-worker-reports', 6, '2024-01-01', '2024-03-29');

const TABLE = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily').storage.table;

const cleanups: (() => Promise<unknown>)[] = [];
const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) r.signal('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

// ---- The services, seen from outside the workers -----------------------------------------

const vhostOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * Closes the broker connections of `vhost` that bear one of these names (`client_properties`
 * connection_name): only this test's worker's, never another suite's (they share the broker).
 * Resolves to how many it closed of each name.
 */
async function closeConnections(
  vhost: string,
  names: readonly string[],
  reason: string,
): Promise<number[]> {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    'list_connections',
    'pid',
    'vhost',
    'client_properties',
  ]);
  const rows = stdout.split('\n').map((line) => line.split('\t'));
  const pidsOf = (name: string) =>
    rows
      .filter(
        ([, v, properties]) =>
          v === vhost && properties?.includes(`{"connection_name","${name}"}`) === true,
      )
      .map(([pid]) => pid as string);
  const pids = names.map(pidsOf);
  await Promise.all(
    pids.flat().map((pid) => run('rabbitmqctl', ['close_connection', pid, reason])),
  );
  return pids.map((p) => p.length);
}

/**
 * Kills the Redis connections bearing these names, all in one transaction (as a Redis restart
 * would, not one after the other: a client back before the next is killed is another outage).
 * Resolves to how many it killed of each name.
 */
async function killRedisClients(names: readonly string[]): Promise<number[]> {
  const clients = (await redisCli('CLIENT', 'LIST')).split('\n');
  const ids = names.map((name) =>
    clients
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /^id=(\d+) /.exec(line)?.[1] as string),
  );
  const kills = ids.flat().map((id) => `CLIENT KILL ID ${id}\n`);
  await new Promise<void>((resolve, reject) => {
    const cli = spawn('redis-cli', ['-h', '127.0.0.1'], { stdio: ['pipe', 'ignore', 'inherit'] });
    cli.on('error', reject);
    cli.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}`)),
    );
    cli.stdin.end(`MULTI\n${kills.join('')}EXEC\n`);
  });
  return ids.map((i) => i.length);
}

/** The queue's messages ready and delivered-unacked, as the broker counts them. */
async function queueCounts(vhost: string, queue: string) {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages_ready',
    'messages_unacknowledged',
  ]);
  const row = stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([name]) => name === queue);
  return { ready: Number(row?.[1]), unacked: Number(row?.[2]) };
}

const queryInt = async (db: string, sql: string) =>
  Number(await psql(new URL(db).pathname.slice(1), sql));

/** The ledger's daily tasks with this status (done by `worker`, when named). */
const tasksWith = (db: string, status: string, worker?: string) =>
  queryInt(
    db,
    `select count(*) from dsync_tasks where source_id = 'tushare.daily' and status = '${status}'` +
      (worker === undefined ? '' : ` and worker = '${worker}'`),
  );

// ---- What a worker says ------------------------------------------------------------------

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}
const WARN = 'warn';
const INFO = 'info';

/** The JSON lines of a worker's log file. */
const logOf = (file: string): LogLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);

const logged = (file: string, msg: string) => logOf(file).filter((l) => l.msg === msg);

/** One sample of a Prometheus text page: its value, by name and labels (any order). */
function sample(page: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of page.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const l of (m[2] as string).matchAll(/(\w+)="([^"]*)"/g))
      found[l[1] as string] = l[2] as string;
    if (Object.keys(labels).length !== Object.keys(found).length) continue;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** The URL a worker's endpoint listens at, from its start line. */
async function endpointOf(worker: Running, name: string): Promise<string> {
  const text = `${name}: metrics at `;
  await worker.waitFor(text);
  return /metrics at (http:\/\/\S+)\/metrics/.exec(worker.stderr())?.[1] as string;
}

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
};

/** `Fetch worker w1 stopped: 30 done, 0 dropped, 0 failed, 2 requeued[, 1 already settled].` */
function countsOf(stopped: Finished, name: string) {
  const m = new RegExp(
    `Fetch worker ${name} stopped: (\\d+) done, (\\d+) dropped, (\\d+) failed, (\\d+) requeued(?:, (\\d+) already settled)?\\.`,
  ).exec(stopped.stdout);
  expect(m).not.toBeNull();
  const n = (i: number) => Number(m?.[i] ?? 0);
  return { done: n(1), dropped: n(2), failed: n(3), requeued: n(4), already: n(5) };
}

/** What `name` said went back with a lost channel, over the run. */
const lostOf = (worker: Finished, name: string) =>
  [
    ...worker.stdout.matchAll(
      new RegExp(
        `${name}: (\\d+) tasks? in hand went back to the queue with the lost channel`,
        'g',
      ),
    ),
  ].reduce((sum, m) => sum + Number(m[1]), 0);

// ---- The tests ---------------------------------------------------------------------------

describe('workers report what they do, their outages and their stop (real processes, RabbitMQ, Redis, PostgreSQL)', () => {
  const project = useProjects();

  /** Services of the test's own and a config over them; the sandbox's answers take `latencyMs`. */
  async function deployment(options: { latencyMs: number }) {
    const [pg, vhost, redis, sandbox] = await Promise.all([
      freshPostgres(),
      freshVhost(),
      freshRedis(),
      startTushareSandbox({
        market: new Market(MARKET),
        accounts: [{ token: TOKEN, tier: { perMinute: 10_000, apis: 'all' } }],
        latencyMs: options.latencyMs,
      }),
    ]);
    cleanups.push(pg.drop, vhost.remove, redis.remove, () => sandbox.close());
    /** The deployment's config, its account calling `url` with this request timeout. */
    const configOver = (url: string, timeoutMs?: number) =>
      projectConfig({
        url,
        storage: pg.url,
        queue: vhost.url,
        perMinute: 6_000,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }) + `distributed:\n  redis: ${redis.url}\n  prefix: ${redis.prefix}\n`;
    const dir = project({ 'dsync.config.yaml': configOver(sandbox.url) });
    return {
      dir,
      db: pg.url,
      vhost: vhostOf(vhost.url),
      vhostUrl: vhost.url,
      redis,
      sandbox,
      configOver,
    };
  }

  /** A worker of `dir` with its log at info in `<dir>/<name>.log`. */
  function worker(dir: string, name: string, args: readonly string[]) {
    const w = start(
      dir,
      [
        '--log-file',
        join(dir, `${name}.log`),
        '--log-level',
        'info',
        'worker',
        '--name',
        name,
        ...args,
      ],
      TOKEN_ENV,
    );
    running.push(w);
    return w;
  }

  it('a fetch worker and the storing worker lose their broker connections, another fetch worker its Redis ones, mid-run: each says so, the counts are exact, the table is the ground truth', async () => {
    // 400 ms an answer, 4 calls at a time: the run lasts seconds, and w1 always holds tasks.
    const d = await deployment({ latencyMs: 400 });
    const store = worker(d.dir, 'store-1', ['--report-every', '1']);
    const w1 = worker(d.dir, 'w1', ['--fetch', '--report-every', '1', '--metrics-port', '0']);
    const w2 = worker(d.dir, 'w2', ['--fetch', '--report-every', '1']);
    await store.waitFor('Worker consuming dsync.batches as store-1');
    await Promise.all([w1, w2].map((w) => w.waitFor('taking tasks from dsync.tasks')));
    const endpoint = await endpointOf(w1, 'w1');
    const sync = start(d.dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    running.push(sync);
    await waitUntil(async () => (await tasksWith(d.db, 'done', 'w1')) >= 3);

    const [closed, killed] = await Promise.all([
      closeConnections(
        d.vhost,
        ['dsync w1 tasks', 'dsync w1 batches', 'dsync store-1 store'],
        'dsync test: the network fails',
      ),
      killRedisClients(['dsync:w2:limits', 'dsync:w2:events']),
    ]);
    expect(closed).toEqual([1, 1, 1]);
    // The commands client and Bottleneck's subscriber; the publisher of run events.
    expect(killed).toEqual([2, 1]);
    const left = DAYS - (await tasksWith(d.db, 'done'));

    const synced = await sync.done;
    expect(synced.code).toBe(0);
    const truth = truthKeys();
    await waitUntil(
      async () => (await queryInt(d.db, `select count(*) from ${TABLE}`)) === truth.length,
    );
    expect(await storedDaily(d.db)).toEqual(truth);
    expect(await tasksWith(d.db, 'done')).toBe(DAYS);
    // A batch sink with nothing left to send comes back too (probed while lost).
    const w1Log = join(d.dir, 'w1.log');
    const w2Log = join(d.dir, 'w2.log');
    const storeLog = join(d.dir, 'store-1.log');
    for (const [file, connection] of [
      [w1Log, 'task queue'],
      [w1Log, 'batch sink'],
      [w2Log, 'redis limits'],
      [w2Log, 'run events'],
      [storeLog, 'batch queue'],
    ] as const)
      await waitUntil(() =>
        Promise.resolve(logged(file, `${connection} connection restored`).length === 1),
      );

    // Every connection lost said so at warn, and its return at info, in the log and the output.
    const outage = (file: string, connection: string) => {
      const lost = logged(file, `${connection} connection lost`);
      const back = logged(file, `${connection} connection restored`);
      expect(lost.map((l) => l.level)).toEqual([WARN]);
      expect(back.map((l) => l.level)).toEqual([INFO]);
      return { lost: lost[0] as LogLine, back: back[0] as LogLine };
    };
    expect(outage(w1Log, 'task queue').lost.reason).toMatch(/dsync test: the network fails/);
    outage(w1Log, 'batch sink');
    outage(w2Log, 'redis limits');
    outage(w2Log, 'run events');
    expect(outage(storeLog, 'batch queue').lost.reason).toMatch(/dsync test: the network fails/);
    for (const connection of ['redis limits', 'run events'])
      expect(logged(w1Log, `${connection} connection lost`)).toEqual([]);
    expect(logged(w2Log, 'task queue connection lost')).toEqual([]);
    expect(w1.stdout()).toMatch(
      new RegExp(
        `w1: task queue connection lost \\(amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:5672/${d.vhost} dsync\\.tasks\\): .*dsync test: the network fails.*; reconnecting\\n`,
      ),
    );
    expect(w1.stdout()).toMatch(/w1: task queue connection restored \(.*\) after \d+\.\d s\n/);

    // w1's metrics and health, the run settled: what its counts say.
    const metrics = (await get(`${endpoint}/metrics`)).text;
    const health = await get(`${endpoint}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({
      status: 'ok',
      worker: 'w1',
      connections: {
        'task queue': true,
        'batch sink': true,
        'redis limits': true,
        'run events': true,
      },
    });

    // A report since the run settled: it says what the metrics say.
    const doneNow = sample(metrics, 'dsync_tasks_total', { worker: 'w1', outcome: 'done' });
    const lastReport = () =>
      logged(w1Log, 'report').at(-1) as LogLine & { tasks: { done: number } };
    await waitUntil(() => Promise.resolve(lastReport().tasks.done === doneNow));

    const stopped = await Promise.all([w1, w2, store].map((w) => (w.signal('SIGTERM'), w.done)));
    for (const s of stopped) expect(s.code).toBe(0);
    const [one, two] = [
      countsOf(stopped[0] as Finished, 'w1'),
      countsOf(stopped[1] as Finished, 'w2'),
    ];
    // Each task counted once, by the worker that settled it; nothing dropped or failed.
    expect(one.done + two.done).toBe(DAYS);
    expect([one.dropped, one.failed, two.dropped, two.failed]).toEqual([0, 0, 0, 0]);
    // What w1 lost went back: it said how many, and counts them requeued; w2 handed back none.
    const lost = lostOf(stopped[0] as Finished, 'w1');
    expect(lost).toBeGreaterThan(0);
    expect(one.requeued).toBe(lost);
    expect(logged(w1Log, 'tasks in hand lost with their channel').map((l) => l.level)).toEqual(
      expect.arrayContaining([WARN]),
    );
    expect(two.requeued).toBe(0);
    // Rows of the tasks each did: together, the table.
    const rowsOf = (file: string) => Number(logged(file, 'fetch worker stopped')[0]?.rows);
    expect(rowsOf(w1Log) + rowsOf(w2Log)).toBe(truth.length);
    for (const [name, s] of [
      ['w1', stopped[0]],
      ['w2', stopped[1]],
    ] as const)
      expect(s?.stdout).toContain(`${name}: 0 tasks in hand went back to the queue`);

    expect(sample(metrics, 'dsync_tasks_total', { worker: 'w1', outcome: 'done' })).toBe(one.done);
    expect(sample(metrics, 'dsync_tasks_total', { worker: 'w1', outcome: 'requeued' })).toBe(
      one.requeued,
    );
    expect(sample(metrics, 'dsync_rows_total', { worker: 'w1' })).toBe(rowsOf(w1Log));
    expect(
      sample(metrics, 'dsync_requests_total', { worker: 'w1', scope: 'tushare:default:daily' }),
    ).toBeGreaterThanOrEqual(one.done);
    for (const [connection, outages] of [
      ['task queue', 1],
      ['batch sink', 1],
      ['redis limits', 0],
      ['run events', 0],
    ] as const) {
      expect(sample(metrics, 'dsync_outages_total', { worker: 'w1', connection })).toBe(outages);
      expect(sample(metrics, 'dsync_connection_up', { worker: 'w1', connection })).toBe(1);
    }
    expect(sample(metrics, 'dsync_queue_depth', { worker: 'w1', queue: 'dsync.tasks' })).toBe(0);

    // The periodic report, printed and logged at info with the counts.
    expect(stopped[0]?.stdout).toMatch(
      /w1: report: \d+ tasks? \(\d+ done, 0 dropped, 0 failed, \d+ requeued.*\), [\d,]+ rows?; calls tushare:default:daily [\d,]+; dsync\.tasks: \d+ waiting, \d+ in hand\n/,
    );
    const report = lastReport();
    expect(report.level).toBe(INFO);
    expect(report).toMatchObject({
      worker: 'w1',
      tasks: { done: one.done, dropped: 0, failed: 0, requeued: one.requeued },
      queue: 'dsync.tasks',
    });
    expect(stopped[2]?.stdout).toMatch(
      /store-1: report: [\d,]+ batches stored \([\d,]+ rows\), \d+ retried, 0 dead-lettered, \d+ returned to the queue; dsync\.batches: \d+ waiting, \d+ in hand\n/,
    );
    for (const s of [synced, ...stopped]) {
      expect(s.stdout + s.stderr).not.toContain('guest:guest@');
      expect(s.stdout + s.stderr).not.toContain(d.redis.password);
      expect(s.stdout + s.stderr).not.toContain(TOKEN);
    }
    for (const file of [w1Log, w2Log, storeLog]) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(d.redis.password);
      expect(text).not.toContain('guest:guest@');
    }
    console.log(
      `outage mid-run (${left} of ${DAYS} tasks left): w1 ${one.done} done, ${one.requeued} requeued (lost with its channel), ${one.already} already settled; w2 ${two.done} done, ${two.already} already settled`,
    );
  });

  it('SIGTERM stops fetch workers whose calls hang, or who wait for the slots those calls hold, within the stop time; what they held goes back', async () => {
    const d = await deployment({ latencyMs: 0 });
    const queued = await dsync(d.dir, ['sync', 'tushare.daily', ...RANGE, '--no-wait'], TOKEN_ENV);
    expect(queued.code).toBe(0);
    // Then the replica never answers in time (10 min), at the same address: the workers' config
    // is the sync's (a worker with another would fetch nothing), their request timeout 2 min.
    const port = Number(new URL(d.sandbox.url).port);
    await d.sandbox.close();
    const slow = await startTushareSandbox({
      market: new Market(MARKET),
      accounts: [{ token: TOKEN, tier: { perMinute: 10_000, apis: 'all' } }],
      latencyMs: 600_000,
      port,
    });
    cleanups.push(() => slow.close());
    const workers = project({ 'dsync.config.yaml': d.configOver(slow.url, 120_000) });
    // w0's four calls hang, holding the account's four slots; w1's three tasks wait for them.
    const w0 = worker(workers, 'w0', ['--fetch', '--prefetch', '4']);
    await w0.waitFor('taking tasks from dsync.tasks');
    await waitUntil(async () => (await queueCounts(d.vhost, 'dsync.tasks')).unacked === 4);
    const w1 = worker(workers, 'w1', ['--fetch', '--prefetch', '3']);
    await w1.waitFor('taking tasks from dsync.tasks');
    await waitUntil(async () => (await queueCounts(d.vhost, 'dsync.tasks')).unacked === 7);
    expect(await queueCounts(d.vhost, 'dsync.tasks')).toEqual({ ready: DAYS - 7, unacked: 7 });

    const sent = Date.now();
    const ended = [w0, w1].map((w) => {
      w.signal('SIGTERM');
      return w.done.then((f) => ({ ...f, ms: Date.now() - sent }));
    });
    const [zero, one] = await Promise.all(ended);
    console.log(
      `SIGTERM to exit: ${zero?.ms} ms for the worker whose calls hang, ${one?.ms} ms for the one waiting for the slots they hold (stop time ${WORKER_STOP_MS} ms)`,
    );
    for (const f of [zero, one]) {
      expect(f?.code).toBe(0);
      expect(f?.ms).toBeLessThan(WORKER_STOP_MS);
    }
    expect(zero?.stderr).toContain('Stopping: 4 tasks in hand go back to the queue (within 30 s)…');
    expect(zero?.stdout).toContain('w0: 4 tasks in hand went back to the queue');
    expect(one?.stderr).toContain('Stopping: 3 tasks in hand go back to the queue (within 30 s)…');
    expect(one?.stdout).toContain('w1: 3 tasks in hand went back to the queue');
    expect(zero?.stdout).toContain(
      'Fetch worker w0 stopped: 0 done, 0 dropped, 0 failed, 4 requeued.',
    );
    expect(one?.stdout).toContain(
      'Fetch worker w1 stopped: 0 done, 0 dropped, 0 failed, 3 requeued.',
    );
    const handedBack = (name: string) =>
      logged(join(workers, `${name}.log`), 'tasks in hand handed back to the queue');
    expect(handedBack('w0')).toEqual([expect.objectContaining({ level: INFO, handedBack: 4 })]);
    // Every task back on the queue and pending in the ledger, nothing fetched.
    expect(await queueCounts(d.vhost, 'dsync.tasks')).toEqual({ ready: DAYS, unacked: 0 });
    expect(await tasksWith(d.db, 'pending')).toBe(DAYS);
    expect(slow.counters().byApi['daily']?.served ?? 0).toBe(0);
  });

  it('SIGTERM ends a fetch worker within the stop time even when its ledger hangs (every write waits on a lock)', async () => {
    const d = await deployment({ latencyMs: 2_000 });
    const queued = await dsync(d.dir, ['sync', 'tushare.daily', ...RANGE, '--no-wait'], TOKEN_ENV);
    expect(queued.code).toBe(0);
    const w1 = worker(d.dir, 'w1', ['--fetch', '--prefetch', '4']);
    await w1.waitFor('taking tasks from dsync.tasks');
    await waitUntil(async () => (await queueCounts(d.vhost, 'dsync.tasks')).unacked === 4);
    // Its four calls in flight; from now on no ledger write ends.
    const lock = await lockTable(d.db, 'dsync_tasks');
    const sent = Date.now();
    w1.signal('SIGTERM');
    const stopped = await w1.done;
    const ms = Date.now() - sent;
    await lock.release();
    console.log(
      `SIGTERM to exit with the ledger locked: ${ms} ms (stop time ${WORKER_STOP_MS} ms)`,
    );
    expect(stopped.code).toBe(0);
    expect(ms).toBeLessThan(WORKER_STOP_MS);
    expect(stopped.stderr).toContain(
      'Stopping: 4 tasks in hand go back to the queue (within 30 s)…',
    );
    // The broker has every task back: the four it held as its connection closed.
    await waitUntil(async () => (await queueCounts(d.vhost, 'dsync.tasks')).ready === DAYS);
    expect(await queueCounts(d.vhost, 'dsync.tasks')).toEqual({ ready: DAYS, unacked: 0 });
    expect(stopped.stdout).toContain('w1: 4 tasks in hand went back to the queue');
    expect(stopped.stdout).toContain(
      'Fetch worker w1 stopped: 0 done, 0 dropped, 0 failed, 4 requeued.',
    );
  });

  it('the storing worker reports, serves its metrics and health, and says when its broker is out of reach and back', async () => {
    const d = await deployment({ latencyMs: 0 });
    // Not distributed: a sync publishes its batches for the storing worker.
    const dir = project({
      'dsync.config.yaml': projectConfig({ url: d.sandbox.url, queue: d.vhostUrl }),
    });
    const sync = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(sync.code).toBe(0);
    const calendarRows = Number(
      /tushare\.trade_cal: done, 1 request, (\d+) rows/.exec(sync.stdout)?.[1],
    );
    const rows = truthKeys().length + calendarRows;
    const store = worker(dir, 'store-1', ['--report-every', '1', '--metrics-port', '0']);
    const endpoint = await endpointOf(store, 'store-1');
    // A batch per day, and the calendar's.
    await store.waitFor(
      `store-1: report: ${DAYS + 1} batches stored (${rows.toLocaleString('en-US')} rows), 0 retried, 0 dead-lettered, 0 returned to the queue; dsync.batches: 0 waiting, 0 in hand`,
    );
    let metrics = (await get(`${endpoint}/metrics`)).text;
    const labels = { worker: 'store-1' };
    expect(sample(metrics, 'dsync_batches_total', { ...labels, outcome: 'stored' })).toBe(DAYS + 1);
    expect(sample(metrics, 'dsync_rows_stored_total', labels)).toBe(rows);
    expect(sample(metrics, 'dsync_queue_depth', { ...labels, queue: 'dsync.batches' })).toBe(0);
    expect(sample(metrics, 'dsync_connection_up', { ...labels, connection: 'batch queue' })).toBe(
      1,
    );
    expect((await get(`${endpoint}/healthz`)).status).toBe(200);

    // Its user may no longer open the vhost, and its connection is closed: it stays out.
    await run('rabbitmqctl', ['clear_permissions', '-p', d.vhost, 'guest']);
    cleanups.push(() =>
      run('rabbitmqctl', ['set_permissions', '-p', d.vhost, 'guest', '.*', '.*', '.*']),
    );
    expect(
      await closeConnections(d.vhost, ['dsync store-1 store'], 'dsync test: broker gone'),
    ).toEqual([1]);
    await waitUntil(async () => (await get(`${endpoint}/healthz`)).status === 503);
    const down = JSON.parse((await get(`${endpoint}/healthz`)).text) as { reasons: string[] };
    expect(down).toMatchObject({ status: 'unavailable', worker: 'store-1' });
    expect(down.reasons).toEqual([
      expect.stringMatching(
        new RegExp(
          `^batch queue connection lost \\d+ s ago \\(amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:5672/${d.vhost} dsync\\.batches\\): .*dsync test: broker gone`,
        ),
      ),
    ]);
    metrics = (await get(`${endpoint}/metrics`)).text;
    expect(sample(metrics, 'dsync_connection_up', { ...labels, connection: 'batch queue' })).toBe(
      0,
    );
    expect(sample(metrics, 'dsync_outages_total', { ...labels, connection: 'batch queue' })).toBe(
      1,
    );
    // No depth while the broker is out of reach: no sample, rather than a wrong one.
    expect(
      sample(metrics, 'dsync_queue_depth', { ...labels, queue: 'dsync.batches' }),
    ).toBeUndefined();
    await store.waitFor('dsync.batches: depth unknown (broker out of reach), 0 in hand');

    await run('rabbitmqctl', ['set_permissions', '-p', d.vhost, 'guest', '.*', '.*', '.*']);
    await waitUntil(async () => (await get(`${endpoint}/healthz`)).status === 200);
    const log = join(dir, 'store-1.log');
    expect(logged(log, 'batch queue connection lost').map((l) => l.level)).toEqual([WARN]);
    expect(logged(log, 'batch queue connection restored').map((l) => l.level)).toEqual([INFO]);
    expect(store.stdout()).toMatch(
      /store-1: batch queue connection restored \(.*\) after \d+\.\d s\n/,
    );

    const sent = Date.now();
    store.signal('SIGTERM');
    const stopped = await store.done;
    expect(stopped.code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(WORKER_STOP_MS);
    expect(stopped.stderr).toContain(
      'Stopping: 0 batches in hand; the writes in progress finish, the others go back to the queue (within 30 s)…',
    );
    expect(stopped.stdout).toContain('store-1: 0 batches in hand went back to the queue');
    expect(stopped.stdout).toContain(
      `Worker stopped: ${DAYS + 1} batches stored, 0 retried, 0 dead-lettered.`,
    );
    expect(logged(log, 'report').at(-1)).toMatchObject({
      level: INFO,
      worker: 'store-1',
      batches: { stored: DAYS + 1, retried: 0, dead_lettered: 0, returned: 0 },
      rows,
      queue: 'dsync.batches',
    });
    expect(stopped.stdout + stopped.stderr).not.toContain('guest:guest@');
  });
});
