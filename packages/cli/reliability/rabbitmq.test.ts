/**
 * The RabbitMQ path under failure: `dsync sync` publishing batches to a queue, `dsync worker`
 * storing them into PostgreSQL, while the broker stops and starts or the worker is killed
 * holding unacked deliveries. The end state must be the ground truth, exactly, with every
 * queue of the test's own vhost drained and nothing dead-lettered.
 *
 * These tests stop the machine's RabbitMQ (`rabbitmqctl stop_app`): the suite runs one file
 * at a time, and every test leaves the broker started and accepting connections again.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DataSourceRegistry } from '@dsync/datasource';
import { createStorage } from '@dsync/storage-adapters';
import {
  freshPostgres,
  freshVhost,
  lockTable,
  marketOver,
  projectConfig,
  psql,
  TOKEN,
  TOKEN_ENV,
  useSandbox,
  waitUntil,
  type Running,
} from '../test/e2e-helpers.js';
import { bySize, dailyTruthSum, duplicateKeys, storedSum, useSecretScan } from './harness.js';

const exec = promisify(execFile);

const rabbitmqctl = async (...args: string[]): Promise<string> =>
  (await exec('rabbitmqctl', args, { timeout: 120_000 })).stdout;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- The broker ----------------------------------------------------------------------------

/** Starts the broker's application if it is stopped, and waits until it takes connections. */
async function restoreBroker(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/** Whether a test stopped the broker: the tests after it need it back, whatever happened. */
let brokerStopped = false;

/** The broker away for `ms`: its application stopped, `meanwhile` done, then started again. */
async function brokerOutage(ms: number, meanwhile: () => Promise<void> = async () => {}) {
  brokerStopped = true;
  await rabbitmqctl('stop_app');
  try {
    await sleep(ms);
    await meanwhile();
  } finally {
    await restoreBroker();
  }
}

interface Broker {
  /** `amqp://user:password@host/vhost`: a user of the test's own, so there is a password to leak. */
  readonly url: string;
  readonly vhost: string;
  readonly password: string;
  readonly remove: () => Promise<void>;
}

/** A vhost and a user with a password of the test's own (guest's is too short to scan for). */
async function freshBroker(): Promise<Broker> {
  const user = `dsync-rel-${randomBytes(4).toString('hex')}`;
  const password = `amqp-pw-${randomBytes(12).toString('hex')}`;
  const [vhost] = await Promise.all([freshVhost(), rabbitmqctl('add_user', user, password)]);
  const name = decodeURIComponent(new URL(vhost.url).pathname.slice(1));
  await rabbitmqctl('set_permissions', '-p', name, user, '.*', '.*', '.*');
  return {
    url: `amqp://${user}:${password}@127.0.0.1:5672/${encodeURIComponent(name)}`,
    vhost: name,
    password,
    remove: async () => {
      await Promise.all([rabbitmqctl('delete_user', user), vhost.remove()]);
    },
  };
}

interface QueueCount {
  readonly messages: number;
  readonly unacked: number;
}

/** Every queue of the vhost with its ready and unacked messages. */
async function queueCounts(vhost: string): Promise<Record<string, QueueCount>> {
  const listing = await rabbitmqctl(
    '-q',
    '--no-table-headers',
    '-p',
    vhost,
    'list_queues',
    'name',
    'messages_ready',
    'messages_unacknowledged',
  );
  return Object.fromEntries(
    listing
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [name = '', ready = '', unacked = ''] = line.trim().split(/\s+/);
        return [name, { messages: Number(ready), unacked: Number(unacked) }];
      }),
  );
}

const DRAINED = {
  'dsync.batches': { messages: 0, unacked: 0 },
  'dsync.batches.dead': { messages: 0, unacked: 0 },
};

/**
 * `waitUntil(check)` while `running` runs: a process that exits first fails the wait at once,
 * with what it printed, instead of at the test's timeout.
 */
async function whileRunning(running: Running, check: () => Promise<boolean>): Promise<void> {
  let exited = false;
  const exit = running.done.then((finished) => {
    exited = true;
    throw new Error(`exited ${finished.code} first:\n${finished.stdout}${finished.stderr}`);
  });
  await Promise.race([waitUntil(async () => exited || (await check())), exit]);
}

// ---- The worker's storage ------------------------------------------------------------------

const AMQP_ENV = 'DSYNC_AMQP_URL';
const DAILY = 'tushare.daily';
const DAILY_TABLE = 'tushare_daily';

/** Rows in the daily table so far: what the worker has stored. */
async function dailyRows(url: string): Promise<number> {
  const database = new URL(url).pathname.slice(1);
  const exists = await psql(database, `select to_regclass('${DAILY_TABLE}') is not null`);
  if (exists !== 't') return 0;
  return Number(await psql(database, `select count(*) from ${DAILY_TABLE}`));
}

/** Seconds a write to the daily table takes at least: the small queue, drained sooner, needs more. */
const WRITE_DELAY_S = bySize(0.05, 0.02);

/**
 * Every write to the daily table made slower (a trigger sleeping per statement), so a worker
 * is still storing, a batch at a time, when the test intervenes.
 */
async function slowDailyWrites(url: string): Promise<void> {
  const storage = createStorage({ url });
  try {
    await storage.ensureTable(DataSourceRegistry.load([DAILY]).get(DAILY));
  } finally {
    await storage.close();
  }
  await psql(
    new URL(url).pathname.slice(1),
    `create function slow_write() returns trigger language plpgsql as $$
       begin perform pg_sleep(${WRITE_DELAY_S}); return null; end $$;
     create trigger slow_write after insert on ${DAILY_TABLE}
       for each statement execute function slow_write();`,
  );
}

// ---- What the processes say ----------------------------------------------------------------

/** The counts of a worker's last line: `Worker stopped: N batches stored, R retried, D dead-lettered.` */
function workerSummary(stdout: string) {
  const line = /Worker stopped: (\d+) batches stored, (\d+) retried, (\d+) dead-lettered\./.exec(
    stdout,
  );
  if (line === null) throw new Error(`no "Worker stopped" line in:\n${stdout}`);
  return { stored: Number(line[1]), retried: Number(line[2]), deadLettered: Number(line[3]) };
}

// ---- The tests -----------------------------------------------------------------------------

const SINCE = '2023-01-01';
const UNTIL = bySize('2023-03-31', '2023-12-31');
const SYMBOLS = bySize(4, 8);
const { market, range, days } = marketOver('reliability-rabbitmq', SYMBOLS, SINCE, UNTIL);
/** What sync publishes without a failure: a batch per open day, and the calendar's one. */
const PUBLISHED = days + 1;
const PREFETCH = 16;

describe('the RabbitMQ path: dsync sync publishes, dsync worker stores into PostgreSQL', () => {
  const sandbox = useSandbox(market);
  const scan = useSecretScan();
  const cleanups: (() => Promise<void>)[] = [];
  const truth = () => dailyTruthSum(market, SINCE, UNTIL);

  afterEach(async () => {
    // The broker first: whatever a test did, the next one (and the next file) finds it running.
    if (brokerStopped) await restoreBroker();
    brokerStopped = false;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A project syncing into PostgreSQL through a vhost of its own, credentials in the environment. */
  async function project(perMinute: number) {
    const [broker, pg] = await Promise.all([freshBroker(), freshPostgres()]);
    cleanups.push(broker.remove, pg.drop);
    scan.secret(TOKEN, broker.password);
    scan.postgres(pg.url);
    // The URL, password and all, stays out of the project's files: they are scanned too.
    const env = { ...TOKEN_ENV, [AMQP_ENV]: broker.url };
    const dir = scan.project(
      {
        'dsync.config.yaml': projectConfig({
          url: sandbox().url,
          storage: pg.url,
          queue: `"\${${AMQP_ENV}}"`,
          perMinute,
        }),
      },
      env,
    );
    return {
      broker,
      pg: pg.url,
      // --verbose: the worker's log (its batch queue connection lost and restored) on stderr.
      worker: (): Running =>
        scan.start(dir, ['worker', '--verbose', '--prefetch', String(PREFETCH)], env),
      sync: (): Running => scan.start(dir, ['sync', DAILY, ...range], env),
      queues: () => queueCounts(broker.vhost),
    };
  }

  type Project = Awaited<ReturnType<typeof project>>;

  /** Holds the daily table locked once the worker stored some rows, until it holds a full prefetch unacked. */
  async function freezeWorkerMidStream(p: Project, worker: Running): Promise<() => Promise<void>> {
    await whileRunning(worker, async () => (await dailyRows(p.pg)) > 0);
    const lock = await lockTable(p.pg, DAILY_TABLE);
    let released: Promise<void> | undefined;
    const release = () => (released ??= lock.release());
    cleanups.push(release);
    await whileRunning(
      worker,
      async () => (await p.queues())['dsync.batches']?.unacked === PREFETCH,
    );
    return release;
  }

  /** Stops the worker once every batch is stored and acked; resolves with its summary. */
  async function drainAndStop(p: Project, worker: Running) {
    await whileRunning(worker, async () => {
      const queues = await p.queues();
      return Object.values(queues).every((q) => q.messages === 0 && q.unacked === 0);
    });
    worker.signal('SIGINT');
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    return { ...stopped, summary: workerSummary(stopped.stdout) };
  }

  /** The end state every test reaches: the ground truth, once each, queues empty. */
  async function expectGroundTruth(p: Project): Promise<void> {
    expect(await storedSum(p.pg, DAILY)).toEqual(truth());
    expect(await duplicateKeys(p.pg, DAILY)).toBe(0);
    expect(await p.queues()).toEqual(DRAINED);
  }

  it('the broker stopped and started while sync publishes and the worker stores: both reconnect, sync exits 0, the table is the ground truth', async () => {
    // Paced so the run outlasts the outage's start (a small run takes 3 s at 20 requests a second).
    const p = await project(1200);
    const worker = p.worker();
    await worker.waitFor('Worker consuming dsync.batches');
    const sync = p.sync();
    let syncEnded = false;
    void sync.done.then(() => (syncEnded = true));
    await whileRunning(worker, async () => (await dailyRows(p.pg)) > 0);

    await brokerOutage(bySize(2_000, 4_000));
    expect(syncEnded).toBe(false);

    // The sink reconnects within its 30 s, and a publish the outage cut off is retried.
    const synced = await sync.done;
    expect(synced.code).toBe(0);
    const rows = truth().rows.toLocaleString('en-US');
    expect(synced.stdout).toContain(`${DAILY}: done, ${days} requests, ${rows} rows`);

    const stopped = await drainAndStop(p, worker);
    expect(stopped.stderr).toContain('"msg":"batch queue connection lost"');
    expect(stopped.stderr).toContain('"msg":"batch queue connection restored"');
    // A publish cut off before its confirm may have reached the queue and be published again.
    expect(stopped.summary.stored).toBeGreaterThanOrEqual(PUBLISHED);
    expect(stopped.summary).toMatchObject({ retried: 0, deadLettered: 0 });
    await expectGroundTruth(p);
  });

  it('the worker SIGKILLed holding unacked batches: a new worker stores what it left, the table is the ground truth', async () => {
    const p = await project(6000);
    expect((await p.sync().done).code).toBe(0);
    expect(await p.queues()).toEqual({
      ...DRAINED,
      'dsync.batches': { messages: PUBLISHED, unacked: 0 },
    });
    await slowDailyWrites(p.pg);

    const killed = p.worker();
    const release = await freezeWorkerMidStream(p, killed);
    killed.signal('SIGKILL');
    expect((await killed.done).code).toBe(null);
    // Its unacked batches are back on the queue, the ones it acked are gone for good.
    await waitUntil(async () => (await p.queues())['dsync.batches']?.unacked === 0);
    const left = (await p.queues())['dsync.batches']?.messages ?? 0;
    expect(left).toBeGreaterThanOrEqual(PREFETCH);
    expect(left).toBeLessThan(PUBLISHED);
    // The killed worker's last insert, still waiting on the lock, may yet commit: harmless.
    await release();

    const stopped = await drainAndStop(p, p.worker());
    expect(stopped.summary).toEqual({ stored: left, retried: 0, deadLettered: 0 });
    await expectGroundTruth(p);
  });

  it('the broker stopped while the worker holds unacked batches: it reconnects and stores each batch once', async () => {
    const p = await project(6000);
    expect((await p.sync().done).code).toBe(0);
    await slowDailyWrites(p.pg);

    const worker = p.worker();
    const release = await freezeWorkerMidStream(p, worker);
    // The write in progress ends while the broker is away: its ack has no channel left, so
    // the batch stays on the queue and is stored again after the reconnect.
    await brokerOutage(bySize(1_000, 3_000), release);

    const stopped = await drainAndStop(p, worker);
    expect(stopped.stderr).toContain('"msg":"batch queue connection lost"');
    expect(stopped.stderr).toContain('"msg":"batch queue connection restored"');
    expect(stopped.summary).toEqual({ stored: PUBLISHED, retried: 0, deadLettered: 0 });
    await expectGroundTruth(p);
  });
});
