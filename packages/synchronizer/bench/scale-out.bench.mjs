#!/usr/bin/env node
// Scale-out: fetch workers, each in its own process, share one Tushare account's per-window
// limit through Redis and take their tasks from RabbitMQ; a producer enqueues the run. Measured
// against the limit itself, in the same run:
// - one worker: the rate the API saw divided by the limit (L calls per W), and the throttle
//   answers it gave;
// - three workers: their combined rate divided by the same limit (target ≥ 0.95), the
//   throttle answers (target 0), and each worker's rate.
// Everything is real but the API: the sandbox in a child process (one account, L per W in a
// sliding window), PostgreSQL (a database made for each measure and dropped after) as the
// producer's ledger and the workers' sink and ledger, RabbitMQ (a fresh queue), Redis (a fresh
// prefix), the workers as child processes on the built packages (fetch-worker-process.mjs).
// It measures the fetch side: the rows are stored, but the figure is the rate of calls.
//
// Method. The sandbox notes the time it served each call (its clock, as the API counts). The
// measure is the steady middle of the run: from the first served call after a start-up second
// (workers joining, connections warming) to the call kL later, k whole windows' worth; the
// tail, when the queue runs dry and the workers idle one by one, comes after it. kL calls under
// a sliding window of L per W take at least kW, so achieved = kL / span and achieved / (L/W) is
// 1 at best. A worker's rate: its tasks the ledger (worker, updated_at) settled in that span.
//
// Why 10-second windows: the limiter spaces calls (1.01·W + 100 ms) / L apart, rounded up to a
// whole millisecond on Redis, so that jitter never lands L + 1 calls in one of the server's
// windows. That slack is 11% of a 1-second window and 2% of a 10-second one: with L = 300 per
// 10 s, the spacing is 34 ms and the best ratio 0.980 (printed as the limiter's ceiling).
//   node bench/scale-out.bench.mjs [--quick]
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import knexFactory from 'knex';
import { DataSourceRegistry } from '@dsync/datasource';
import { Market } from '@dsync/sandbox';
import { createRabbitTaskQueue, createStorage } from '@dsync/storage-adapters';
import { createTushareClient, SyncController } from '@dsync/synchronizer';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const TOKEN = 'bench-token-0123456789';
const PG = process.env['DSYNC_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432';
const AMQP = process.env['DSYNC_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** The limit: L calls per W, at the sandbox and in the workers' configuration alike. */
const L = 300;
const W = 10_000;
const LIMITS = { windows: [{ limit: L, windowMs: W }], perInterface: true, maxConcurrent: 4 };
/** Windows' worth of calls measured; calls left out before (start-up) and after (the tail). */
const K = quick ? 1 : 2;
const SKIP = L / 10;
const TAIL = 60;
const TASKS = SKIP + K * L + 1 + TAIL;
const SOURCES = ['tushare.daily'];
const market = new Market({
  seed: 'scale-out',
  symbols: 5,
  start: '2000-01-01',
  end: '2009-12-31',
});
const days = market.openDays('2000-01-01', '2009-12-31').slice(0, TASKS);
const RANGE = { since: days[0], until: days.at(-1) };
const spacing = Math.ceil((W * 1.01 + 100) / L);
const ceiling = W / L / spacing;
const run = randomUUID().slice(0, 8);

/** Everything made, undone in reverse order whatever happens (errors, Ctrl-C included). */
const cleanups = [];
async function cleanUp() {
  for (const undo of cleanups.splice(0).reverse()) {
    try {
      await undo();
    } catch (error) {
      console.error(`cleanup: ${error?.message ?? error}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

/** Resolves with the next IPC message of `child` that `accept`s, rejects if it exits first. */
function message(child, accept, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no answer from ${child.spawnargs[1]}`)),
      timeoutMs,
    );
    const onMessage = (m) => accept(m) && done(undefined, m);
    const onExit = (code) => done(new Error(`${child.spawnargs[1]} exited (${code})`));
    function done(error, value) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A child process, killed at clean-up if it has not exited by then. */
function spawn(file, config) {
  const child = fork(join(import.meta.dirname, file), [JSON.stringify(config)]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  return { child, exited };
}

async function database(name) {
  const admin = knexFactory({ client: 'pg', connection: `${PG}/postgres` });
  await admin.raw(`create database ${name}`);
  cleanups.push(async () => {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  });
  return `${PG}/${name}`;
}

/** The queue's objects on the broker: the queue, its dead-letter exchange and queue. */
function deleteQueueLater(queue) {
  cleanups.push(async () => {
    const connection = await amqp.connect(AMQP);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dead`);
    await channel.deleteExchange(`${queue}.dead`);
    await connection.close();
  });
}

/** The gate's keys (`{prefix}:…`) and Bottleneck's (`b_{prefix}-…`). */
function deleteRedisKeysLater(prefix) {
  cleanups.push(async () => {
    const redis = new Redis(REDIS);
    for (const pattern of [`${prefix}:*`, `b_${prefix}-*`]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });
}

/** One measure: `workers` fetch workers through a run of TASKS tasks. */
async function scaleOut(workers) {
  const name = `dsync_bench_${run}_${workers}`;
  const url = await database(name);
  const sandbox = spawn('serve-sandbox.mjs', {
    market: market.options,
    token: TOKEN,
    tier: { perMinute: L, apis: 'all' },
    windowMs: W,
    trace: true,
  });
  const { url: sandboxUrl } = await message(sandbox.child, (m) => m.url !== undefined);
  cleanups.push(async () => {
    if (sandbox.child.connected) sandbox.child.send('close');
    await sandbox.exited;
  });

  // The producer: the ledger in PostgreSQL, the calendar synced here, the rest on the queue.
  const storage = createStorage({ url });
  await storage.ready();
  cleanups.push(() => storage.close());
  const registry = DataSourceRegistry.load(SOURCES);
  // Made once here: three workers creating it at once would race in PostgreSQL's catalog.
  await storage.ensureTable(registry.get('tushare.daily'));
  const controller = new SyncController({
    registry,
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
    },
    clients: {
      tushare: createTushareClient({ token: TOKEN, baseUrl: sandboxUrl, rateWindowMs: W }),
    },
    accounts: { tushare: { limits: LIMITS } },
  });
  const queueName = `dsync-bench-${name}`;
  deleteQueueLater(queueName);
  const queue = createRabbitTaskQueue({ url: AMQP, queue: queueName });
  cleanups.push(() => queue.close());
  const enqueued = await controller.enqueue(queue, { ids: SOURCES, ...RANGE });
  const queued = enqueued.queued.reduce((n, q) => n + q.tasks, 0);
  if (enqueued.status !== 'running' || queued !== TASKS)
    throw new Error(`enqueue: ${enqueued.status}, ${queued} of ${TASKS} tasks queued`);
  // The calendar's calls are not measured: only daily's from here.
  sandbox.child.send('reset');
  await message(sandbox.child, (m) => m.reset === true);

  // The workers, started together on the full queue.
  const prefix = `dsync-bench-${name}`;
  deleteRedisKeysLater(prefix);
  const names = Array.from({ length: workers }, (_, i) => `w${i + 1}`);
  const children = names.map((worker) =>
    spawn('fetch-worker-process.mjs', {
      worker,
      database: url,
      redis: REDIS,
      prefix,
      amqp: AMQP,
      queue: queueName,
      sandbox: sandboxUrl,
      token: TOKEN,
      windowMs: W,
      sources: SOURCES,
      limits: LIMITS,
    }),
  );
  await Promise.all(children.map((c) => message(c.child, (m) => m.ready === true)));

  // Until the ledger has every task settled: the run is then closed, as a producer would.
  const deadline = Date.now() + (TASKS / (L / W)) * 3 + 30_000;
  let ending;
  while ((ending = await controller.settleQueued(enqueued.runId, RANGE)) === undefined) {
    if (Date.now() > deadline) throw new Error(`${workers} worker(s): the run did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (ending !== 'done') throw new Error(`${workers} worker(s): the run ended ${ending}`);

  sandbox.child.send('report');
  const { counters, served } = await message(sandbox.child, (m) => m.served !== undefined);
  const stats = await Promise.all(
    children.map((c) => {
      const reported = message(c.child, (m) => m.stats !== undefined, 30_000);
      c.child.kill('SIGTERM');
      return reported.then((m) => m.stats);
    }),
  );
  const tasks = await storage.checkpoints.listTasks({ runId: enqueued.runId, limit: 10 * TASKS });
  await cleanUp();

  // The steady middle: served calls SKIP to SKIP + kL (see the method above).
  if (served.length < TASKS)
    throw new Error(`${workers} worker(s): ${served.length} calls served for ${TASKS} tasks`);
  const from = served[SKIP];
  const to = served[SKIP + K * L];
  const spanS = (to - from) / 1000;
  const achieved = (K * L) / spanS;
  const limit = L / (W / 1000);
  const perWorker = Object.fromEntries(
    names.map((w) => [
      w,
      tasks.filter((t) => {
        const at = Date.parse(t.updatedAt);
        return t.worker === w && t.status === 'done' && at > from && at <= to;
      }).length / spanS,
    ]),
  );
  return {
    workers,
    tasks: TASKS,
    served: counters.byApi.daily?.served ?? 0,
    throttled: counters.total.throttled,
    measuredCalls: K * L,
    spanS,
    achieved,
    ratio: achieved / limit,
    perWorker,
    done: Object.fromEntries(names.map((w, i) => [w, stats[i].done])),
    requeued: stats.reduce((n, s) => n + s.requeued, 0),
  };
}

let one;
let three;
try {
  one = await scaleOut(1);
  three = await scaleOut(3);
} finally {
  await cleanUp();
}

const limit = L / (W / 1000);
const rates = (r) =>
  Object.entries(r.perWorker)
    .map(([w, rate]) => `${w} ${rate.toFixed(1)}`)
    .join(', ');
console.log(
  `synchronizer scale-out benchmark${quick ? ' (quick)' : ''}: ${TASKS} tasks of tushare.daily per measure, ${L} calls per ${W / 1000} s window, ${K * L} calls measured in the steady middle`,
);
console.log('| measure | baseline | dsync | dsync / baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of [one, three])
  console.log(
    `| ${r.workers} fetch worker process${r.workers > 1 ? 'es' : ''}: calls/s over ${r.spanS.toFixed(1)} s (throttle answers: ${r.throttled}; per worker: ${rates(r)}) | ${limit.toFixed(1)} (the limit) | ${r.achieved.toFixed(1)} | ${r.ratio.toFixed(3)} |`,
  );
console.log(
  `The limiter's ceiling: calls ${spacing} ms apart, ${(1000 / spacing).toFixed(1)} calls/s, ${ceiling.toFixed(3)} of the limit. Three workers / one: ${(three.achieved / one.achieved).toFixed(3)}.`,
);
const shared = {
  run,
  limit: { calls: L, windowMs: W, perSecond: limit },
  limiterCeiling: { spacingMs: spacing, callsPerSecond: 1000 / spacing, ofLimit: ceiling },
};
report('scale-out', {
  title: `synchronizer scale-out: fetch worker processes sharing one account's limit through Redis, ${TASKS} tushare.daily tasks per measure from RabbitMQ`,
  quick,
  figures: [one, three].map((r) => ({
    measure: `${r.workers} fetch worker process${r.workers > 1 ? 'es' : ''}: calls/s in the steady middle (${r.measuredCalls} calls)`,
    unit: 'calls/s',
    value: r.achieved,
    baseline: 'the limit',
    baselineValue: limit,
    ratio: r.ratio,
    // The claim is for three workers sharing the limit (0 throttle answers with it).
    ...(r.workers === 3
      ? { target: '≥ 0.95, 0 throttle answers', met: r.ratio >= 0.95 && r.throttled === 0 }
      : {}),
    details: {
      ...shared,
      ...r,
      ...(r.workers === 3 ? { threeOverOne: three.achieved / one.achieved } : {}),
    },
  })),
});
