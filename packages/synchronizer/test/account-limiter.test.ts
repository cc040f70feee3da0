import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import Bottleneck from 'bottleneck';
import { AccountLimiter, type AccountLimits } from '../src/index.js';
import { yieldPromptly } from '../src/limits/prompt-yield.js';
import { busiestWindow } from './windows.js';

let dir: string;
let storage: KnexStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsync-limiter-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'ledger.db')}` });
  await storage.ready();
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const limiterWith = (limits: AccountLimits, saveEveryMs?: number) =>
  new AccountLimiter({
    account: 'acct',
    limits,
    checkpoints: storage.checkpoints,
    timezone: 'Asia/Shanghai',
    ...(saveEveryMs === undefined ? {} : { saveEveryMs }),
  });

const today = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.now());

describe('AccountLimiter', () => {
  it('finds the Bottleneck store hook it speeds up (a Bottleneck upgrade that drops it fails here)', () => {
    expect(yieldPromptly(new Bottleneck())).toBe(true);
  });

  it('holds a window of more than one call per millisecond, granted in batches', async () => {
    // 1,500 calls per 500 ms: a pace finer than Bottleneck's timers, so calls come in grants.
    const limiter = limiterWith({ windows: [{ limit: 1_500, windowMs: 500 }], maxConcurrent: 8 });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 2_000 }, () =>
        limiter.schedule('daily', () => {
          times.push(performance.now());
          return Promise.resolve();
        }),
      ),
    );
    await limiter.stop();
    expect(times).toHaveLength(2_000);
    expect(busiestWindow(times, 500)).toBeLessThanOrEqual(1_500);
    expect((await storage.checkpoints.getQuotaUsage('acct', today())).used).toBe(2_000);
  }, 30_000);

  it('spaces a slow window call by call, and refuses calls past the daily quota', async () => {
    const limiter = limiterWith({ windows: [{ limit: 5, windowMs: 200 }], perDay: 12 });
    const times: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 15 }, () =>
        limiter.schedule('daily', () => {
          times.push(performance.now());
          return Promise.resolve();
        }),
      ),
    );
    await limiter.stop();
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(12);
    expect(
      outcomes
        .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
        .map((o) => (o.reason as { code: string }).code),
    ).toEqual(['E_DAILY_LIMIT', 'E_DAILY_LIMIT', 'E_DAILY_LIMIT']);
    expect(busiestWindow(times, 200)).toBeLessThanOrEqual(5);
    expect((await storage.checkpoints.getQuotaUsage('acct', today())).used).toBe(12);
  });

  it('saves the day’s count in the background, and a new limiter starts from it', async () => {
    const limiter = limiterWith({ windows: [], perDay: 5 }, 20);
    await Promise.all([1, 2, 3].map(() => limiter.schedule('daily', () => Promise.resolve())));
    // Not stopped: the count reaches the store by itself.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await storage.checkpoints.getQuotaUsage('acct', today())).used).toBe(3);
    await limiter.stop();

    const next = limiterWith({ windows: [], perDay: 5 });
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() => next.schedule('daily', () => Promise.resolve())),
    );
    await next.stop();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((await storage.checkpoints.getQuotaUsage('acct', today())).used).toBe(5);
  });

  it('remembers a provider’s daily stop across limiters: the next run does not call before the reset', async () => {
    const resetsAt = new Date(Date.now() + 3_600_000).toISOString();
    const limiter = limiterWith({ windows: [], perInterface: true });
    await limiter.schedule('daily', () => Promise.resolve());
    await limiter.exhaust('daily', resetsAt);
    await limiter.stop();

    const next = limiterWith({ windows: [], perInterface: true });
    let called = 0;
    const refused = next.schedule('daily', () => Promise.resolve(called++));
    await expect(refused).rejects.toMatchObject({ name: 'QuotaExhaustedError', resetsAt });
    // Another interface of the account is not stopped.
    await next.schedule('weekly', () => Promise.resolve(called++));
    await next.stop();
    expect(called).toBe(1);
    expect(await storage.checkpoints.getQuotaUsage('acct:daily', today())).toMatchObject({
      used: 1,
      spentUntil: resetsAt,
    });
  });

  it('neither runs nor counts a call whose run was cancelled while it waited', async () => {
    const limiter = limiterWith({ windows: [{ limit: 1, windowMs: 60_000 }] });
    const cancel = new AbortController();
    await limiter.schedule('daily', () => Promise.resolve(), cancel.signal);
    let ran = false;
    const waiting = limiter.schedule('daily', () => Promise.resolve((ran = true)), cancel.signal);
    cancel.abort();
    // The window refills only after a minute: stopping the limiter drops the job if it is still queued.
    const outcome = await Promise.race([
      waiting.then(
        () => 'ran',
        (error: Error) => error.name,
      ),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 100)),
    ]);
    await limiter.stop();
    expect([outcome, ran]).toEqual(['waiting', false]);
    expect((await storage.checkpoints.getQuotaUsage('acct', today())).used).toBe(1);
    expect(limiter.snapshot()).toEqual([{ scope: 'acct', day: today(), used: 1, left: undefined }]);
  });
});
