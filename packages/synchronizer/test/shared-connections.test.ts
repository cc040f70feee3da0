import { afterEach, beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearOfDayEnd } from '@dsync/sandbox';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import { Redis } from 'ioredis';
import {
  AccountLimiter,
  CancelledError,
  RedisLimits,
  RedisRunEvents,
  type AccountLimits,
} from '../src/index.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A name of the test's own: its Redis keys' prefix and its connections' name. */
const uniqueName = () => `dsync-test-${randomUUID().slice(0, 8)}`;

/**
 * Kills the server side of every connection named `name`, in one transaction (as a Redis
 * restart would: a client back before the next is killed would be another outage); resolves to
 * how many.
 */
async function killClientsNamed(name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /^id=(\d+) /.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  const kill = redis.multi();
  for (const id of ids) kill.client('KILL', 'ID', id);
  await kill.exec();
  return ids.length;
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('the shared limits and run events tell their connections lost and back', () => {
  it('RedisLimits: one loss and one return for its two connections killed at once; calls go on', async () => {
    const name = uniqueName();
    const shared = new RedisLimits({ url: REDIS_URL, prefix: name, connectionName: name });
    cleanups.push(() => shared.close());
    const told: string[] = [];
    shared.on('disconnected', () => told.push('disconnected'));
    shared.on('reconnected', () => told.push('reconnected'));
    await shared.ready();
    // The commands client and Bottleneck's subscriber, both under the name.
    expect(await killClientsNamed(name)).toBe(2);
    await until(() => told.length === 2, 'the loss and the return');
    expect(told).toEqual(['disconnected', 'reconnected']);
    expect(await shared.pass('tushare:test:daily', '2024-01-02', undefined, 60_000)).toEqual({
      kind: 'ok',
      used: 1,
    });
    await redis.del(`${name}:quota:{tushare:test:daily}:day:2024-01-02`);
    // Closing on purpose is no outage.
    await shared.close();
    expect(told).toHaveLength(2);
  });

  it('RedisRunEvents: its publisher lost and back, events published after it arrive', async () => {
    const name = uniqueName();
    const events = new RedisRunEvents({ url: REDIS_URL, prefix: name, connectionName: name });
    const follower = new RedisRunEvents({ url: REDIS_URL, prefix: name });
    cleanups.push(
      () => events.close(),
      () => follower.close(),
    );
    const told: string[] = [];
    events.on('disconnected', () => told.push('disconnected'));
    events.on('reconnected', () => told.push('reconnected'));
    await events.ready();
    const heard: string[] = [];
    const unsubscribe = await follower.subscribe('run-1', (event) => heard.push(event.type));
    expect(await killClientsNamed(name)).toBe(1);
    await until(() => told.length === 2, 'the loss and the return');
    expect(told).toEqual(['disconnected', 'reconnected']);
    events.publish('run-1', { type: 'task-started', sourceId: 's', key: 'k', attempt: 1 });
    await until(() => heard.length === 1, 'the event');
    expect(heard).toEqual(['task-started']);
    await unsubscribe();
  });
});

describe('a call waiting on Redis for a slot other processes hold', () => {
  let dir: string;
  let storage: KnexStorage;

  /** One process's limiter for the account, on its own connection. */
  async function processLimiter(prefix: string, limits: AccountLimits): Promise<AccountLimiter> {
    const shared = new RedisLimits({ url: REDIS_URL, prefix });
    await shared.ready();
    const limiter = new AccountLimiter({
      account: 'tushare:main',
      limits,
      checkpoints: storage.checkpoints,
      timezone: 'Asia/Shanghai',
      shared,
    });
    cleanups.push(async () => {
      await limiter.stop();
      await shared.close();
    });
    return limiter;
  }

  it('gives up at once when its signal aborts, and never runs nor counts', async () => {
    await clearOfDayEnd(); // its quota count falls in one provider day
    dir = mkdtempSync(join(tmpdir(), 'dsync-redis-'));
    storage = createStorage({ url: `sqlite:${join(dir, 'ledger.db')}` });
    await storage.ready();
    const prefix = uniqueName();
    cleanups.push(async () => {
      const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`b_${prefix}*`))];
      if (keys.length > 0) await redis.del(...keys);
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const limits: AccountLimits = {
      windows: [{ limit: 1_000, windowMs: 1_000 }],
      maxConcurrent: 1,
    };
    const [holder, waiter] = [
      await processLimiter(prefix, limits),
      await processLimiter(prefix, limits),
    ];
    // The holder's call hangs, holding the account's one slot.
    let release = (): void => undefined;
    let holding = false;
    const held = holder.schedule('any', async () => {
      holding = true;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await until(() => holding, 'the holder in its call');
    const abort = new AbortController();
    let ran = false;
    const waiting = waiter.schedule('any', () => Promise.resolve(void (ran = true)), abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort();
    // While the holder still holds the slot: not when its call ends (never, until released).
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(holding).toBe(true);
    release();
    await held;
    // The job left in Bottleneck's queue passes its turn: the task never runs, never counts.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.now());
    await waiter.schedule('any', () => Promise.resolve());
    expect(ran).toBe(false);
    expect(await redis.get(`${prefix}:quota:{tushare:main}:day:${day}`)).toBe('2');
  });
});
