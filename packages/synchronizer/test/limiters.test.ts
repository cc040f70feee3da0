import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, type DataSource } from '@dsync/datasource';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import { Limiters } from '../src/limits/limiters.js';

let dir: string;
let storage: KnexStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsync-limiters-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'ledger.db')}` });
  await storage.ready();
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** daily with its own 3 a minute and 2 in flight; adj_factor as the catalog has it; two NDL tables, one with 4 a minute. */
const registry = DataSourceRegistry.load([
  { extends: 'tushare.daily', limits: { perMinute: 3, maxConcurrent: 2 } },
  'tushare.adj_factor',
  { extends: 'ndl.SHARADAR.SEP', limits: { perMinute: 4, perDay: 900 } },
  'ndl.LBMA.GOLD',
]);
const source = (id: string) => registry.get(id);
const limitersOf = (sources: readonly DataSource[]) =>
  new Limiters({
    sources,
    checkpoints: storage.checkpoints,
    accounts: {
      tushare: {
        label: 'bars',
        limits: {
          windows: [{ limit: 1000, windowMs: 1000 }],
          perInterface: true,
          maxConcurrent: 4,
        },
      },
    },
  });

describe('Limiters', () => {
  it("gives each scope the account's limits narrowed by its own sources' overrides, in any order", () => {
    for (const sources of [registry.list(), [...registry.list()].reverse()]) {
      const limiters = limitersOf(sources);
      expect(limiters.scopeOf(source('tushare.daily'))).toBe('tushare:bars:daily');
      expect(limiters.limitsOf(source('tushare.daily'))).toEqual({
        windows: [
          { limit: 1000, windowMs: 1000 },
          { limit: 3, windowMs: 60_000 },
        ],
        perInterface: true,
        maxConcurrent: 2,
      });
      // Another interface of the account: its own scope, untouched by daily's override.
      expect(limiters.limitsOf(source('tushare.adj_factor'))).toEqual(
        limiters.accountLimits('tushare'),
      );
      // NDL counts per key: SEP's override holds for every source of the account, GOLD's too.
      expect(limiters.scopeOf(source('ndl.LBMA.GOLD'))).toBe('ndl:default');
      for (const id of ['ndl.SHARADAR.SEP', 'ndl.LBMA.GOLD'])
        expect(limiters.limitsOf(source(id))).toMatchObject({
          windows: [
            { limit: 300, windowMs: 10_000 },
            { limit: 2_000, windowMs: 600_000 },
            { limit: 4, windowMs: 60_000 },
          ],
          perDay: 900,
          maxConcurrent: 1,
        });
    }
  });

  it("holds a source's override in its scope's lane, whichever source asks first", async () => {
    const limiters = limitersOf(registry.list());
    // adj_factor's lane is made first: daily's override must still hold in daily's lane.
    const limiter = limiters.limiterOf('tushare');
    const ran = { daily: 0, adj_factor: 0 };
    const call = (api: 'daily' | 'adj_factor') =>
      limiter.schedule(api, () => {
        ran[api]++;
        return Promise.resolve();
      });
    await Promise.all(Array.from({ length: 6 }, () => call('adj_factor')));
    const daily = Array.from({ length: 6 }, () => call('daily').catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 600));
    // 3 a minute are spaced 20 s apart: 1 of daily's ran; adj_factor, at 1,000 a second, all 6.
    expect(ran).toEqual({ daily: 1, adj_factor: 6 });
    await limiters.stop();
    await Promise.all(daily);
    expect(ran.daily).toBe(1);
  });

  it("counts every interface's calls in the account's own cap, when it has one", async () => {
    const limiters = new Limiters({
      sources: registry.list(),
      checkpoints: storage.checkpoints,
      accounts: {
        tushare: {
          limits: {
            windows: [{ limit: 1000, windowMs: 1000 }],
            perInterface: true,
            accountWindows: [{ limit: 3, windowMs: 60_000 }],
          },
        },
      },
    });
    const limiter = limiters.limiterOf('tushare');
    let ran = 0;
    const calls = ['adj_factor', 'daily_basic', 'adj_factor', 'daily_basic'].map((api) =>
      limiter
        .schedule(api, () => {
          ran++;
          return Promise.resolve();
        })
        .catch(() => undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Each interface alone could make 1,000 a second; the account's 3 a minute are 20 s apart.
    expect(ran).toBe(1);
    await limiters.stop();
    await Promise.all(calls);
    expect(ran).toBe(1);
  });
});
