/**
 * Shared helpers for tests against real services (RabbitMQ), and the Tushare-shaped
 * fixtures they send. Tests never skip: an unreachable broker fails them with a message
 * that says how to start it.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { connect, type Channel } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { builtInCatalog, type DataSource, type RecordBatch } from '@dsync/datasource';
import { redactUrl } from '@dsync/datasource';
import { primaryKeyOf, toStoredRows, type StoredRow } from '../src/values.js';

export const RABBITMQ_URL = process.env.DSYNC_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Throws unless RabbitMQ answers at `url` within `timeoutMs` (retrying, so a broker that is
 * just starting counts as up).
 */
export async function requireService(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  do {
    try {
      const model = await connect(url, { timeout: 2_000 });
      await model.close();
      return;
    } catch (error) {
      last = error;
      await sleep(250);
    }
  } while (Date.now() < deadline);
  const why = last instanceof Error ? last.message : String(last);
  throw new Error(
    `RabbitMQ is not reachable at ${redactUrl(url)} (start it: rabbitmq-server -detached)` +
      `${process.env.CI === 'true' ? ' [CI]' : ''}: ${why.replaceAll(url, redactUrl(url))}`,
  );
}

/** A name no other test (or test run) uses: `prefix.<pid>.<random>`. */
export const uniqueName = (prefix: string): string =>
  `${prefix}.${process.pid}.${randomBytes(4).toString('hex')}`;

/** Runs `work` on a fresh plain channel, then closes its connection. */
export async function withChannel<T>(
  url: string,
  work: (channel: Channel) => Promise<T>,
): Promise<T> {
  const model = await connect(url);
  try {
    return await work(await model.createChannel());
  } finally {
    await model.close().catch(() => undefined);
  }
}

/** Deletes a test's exchange and queue with their dead-letter exchange and queue. */
export async function deleteTopology(
  url: string,
  names: { readonly exchange?: string; readonly queue: string },
): Promise<void> {
  await withChannel(url, async (channel) => {
    await channel.deleteQueue(names.queue);
    await channel.deleteQueue(`${names.queue}.dead`);
    await channel.deleteExchange(`${names.queue}.dead`);
    if (names.exchange !== undefined) await channel.deleteExchange(names.exchange);
  });
}

/** Runs `rabbitmqctl` (e.g. `stop_app`, `start_app`); resolves with what it printed. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

/**
 * Closes every connection whose client named it `name` (amqplib's `connection_name`) as the
 * broker does when it goes away: the client sees CONNECTION_FORCED. Other connections, of
 * other tests or other packages' tests, are left alone. Resolves with how many it closed.
 */
export async function closeConnectionsNamed(name: string, reason: string): Promise<number> {
  const listing = await rabbitmqctl('-q', 'list_connections', 'pid', 'client_properties');
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}

/** A queue's messages as the broker counts them, and whether it survives a restart. */
export async function queueInfo(
  queue: string,
): Promise<{ durable: boolean; ready: number; unacked: number }> {
  const listing = await rabbitmqctl(
    '-q',
    'list_queues',
    'name',
    'durable',
    'messages_ready',
    'messages_unacknowledged',
  );
  const row = listing
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([name]) => name === queue);
  if (row === undefined) throw new Error(`queue ${queue} is not on the broker`);
  return { durable: row[1] === 'true', ready: Number(row[2]), unacked: Number(row[3]) };
}

/**
 * Raises (or clears) RabbitMQ's memory alarm, under which the broker stops reading from
 * publishing connections: a publish then waits for its confirm for as long as the alarm
 * lasts. Resolves once the broker reports the alarm state; returns the function that
 * restores the previous threshold.
 */
export async function raiseMemoryAlarm(): Promise<() => Promise<void>> {
  const previous = (
    await rabbitmqctl('-q', 'eval', 'vm_memory_monitor:get_vm_memory_high_watermark().')
  ).trim();
  const absolute = /^\{absolute,\s*(\d+)\}$/.exec(previous);
  const restoreArgs = absolute?.[1] !== undefined ? ['absolute', absolute[1]] : [previous];
  const alarmed = async (): Promise<boolean> =>
    (await rabbitmqctl('-q', 'eval', 'rabbit_alarm:get_alarms().')).includes('memory');
  const until = async (state: boolean): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while ((await alarmed()) !== state) {
      if (Date.now() > deadline) throw new Error(`memory alarm still ${!state} after 20 s`);
      await sleep(100);
    }
  };
  await rabbitmqctl('set_vm_memory_high_watermark', '0');
  await until(true);
  return async () => {
    await rabbitmqctl('set_vm_memory_high_watermark', ...restoreArgs);
    await until(false);
  };
}

/** Polls `done` every 20 ms; throws naming `what` if it is still false after `timeoutMs`. */
export async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const LOCK = join(tmpdir(), 'dsync-rabbitmq-tests.lock');

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the machine-wide lock of the RabbitMQ test files: jest runs files in parallel, and
 * the broker restart test must not pull the broker from under another file. A lock left by
 * a dead process is taken over. Returns the release function.
 */
export async function lockBroker(timeoutMs = 240_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(LOCK, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(LOCK, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(LOCK, 'utf8').catch(() => ''));
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) await rm(LOCK, { force: true });
    if (Date.now() > deadline)
      throw new Error(`RabbitMQ test lock ${LOCK} held too long by ${holder}`);
    await sleep(100);
  }
}

/**
 * Holds the broker lock (see `lockBroker`) for the whole test file and fails it early when
 * RabbitMQ is not reachable; releases the lock after the file's last test.
 */
export function useBroker(): void {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await lockBroker();
    await requireService(RABBITMQ_URL);
  }, 300_000);
  afterAll(async () => {
    await release?.();
  });
}

/** Fresh exchange and queue names for one test. */
export const topologyNames = (): { exchange: string; queue: string } => ({
  exchange: uniqueName('dsync.test.x'),
  queue: uniqueName('dsync.test.q'),
});

// Files.

/** A new empty folder under the OS temp folder, named `<prefix><random>`. */
export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), prefix));

/** Removes a folder made by `tempDir`, with everything in it. */
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

// Fixtures: Tushare daily bars.

export const dailySource = (): DataSource => {
  const source = builtInCatalog().get('tushare.daily');
  if (source === undefined) throw new Error('tushare.daily is not in the built-in catalog');
  return source;
};

const CODES = ['000001.SZ', '000002.SZ', '600000.SH', '600519.SH', '300750.SZ'];

/** The trade date of batch `i`: consecutive calendar days from 2024-01-02, `YYYYMMDD`. */
const tradeDate = (i: number): string =>
  new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10).replaceAll('-', '');

/** Batch `i` of `tushare.daily`: one trade date, one row per code. */
export function dailyBatch(i: number, source: DataSource = dailySource()): RecordBatch {
  const date = tradeDate(i);
  const columns = source.fields.map((f) => f.name);
  const rows = CODES.map((code, c) =>
    columns.map((column) =>
      column === 'ts_code' ? code : column === 'trade_date' ? date : `${10 + c}.${i % 100}`,
    ),
  );
  return {
    sourceId: source.id,
    argsKey: `daily?trade_date=${date}`,
    page: 0,
    columns,
    rows,
    schemaVersion: source.schemaVersion,
    fetchedAt: '2024-06-01T10:00:00.000Z',
  };
}

/** The rows a memory sink holds after `batches` (converted, upserted), sorted by primary key. */
export function expectedRows(batches: readonly RecordBatch[], source: DataSource): StoredRow[] {
  const byKey = new Map<string, StoredRow>();
  for (const batch of batches)
    for (const row of toStoredRows(batch, source)) byKey.set(primaryKeyOf(row, source), row);
  return sortRows([...byKey.values()], source);
}

/** Rows sorted by the source's primary key, to compare stores that keep a different order. */
export const sortRows = (rows: readonly StoredRow[], source: DataSource): StoredRow[] =>
  [...rows].sort((a, b) => primaryKeyOf(a, source).localeCompare(primaryKeyOf(b, source)));
