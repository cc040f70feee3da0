/**
 * `dsync sync` killed (SIGKILL: no handler, no checkpoint on the way out) at random points of
 * its run, resumed each time, then left to finish: the table must be exactly the ground truth,
 * and the resumed runs may repeat only the requests that were in flight at each kill.
 */
import { describe, expect, it } from '@jest/globals';
import { Market, startTushareSandbox, type TushareSandbox } from '@dsync/sandbox';
import {
  marketOver,
  projectConfig,
  projectDb,
  TOKEN,
  TOKEN_ENV,
  type Running,
} from '../test/e2e-helpers.js';
import {
  bySize,
  expectDailyMatchesLedger,
  dailyTruthSum,
  duplicateKeys,
  prng,
  storedSum,
  useSecretScan,
  type SecretScan,
} from './harness.js';

const SINCE = '2024-01-01';
const UNTIL = bySize('2024-04-30', '2024-12-31');
const { market, range, days } = marketOver('reliability-kill', bySize(4, 10), SINCE, UNTIL);
const KILLS = bySize(3, 20);
/** projectConfig's `maxConcurrent`: requests in flight at once, the most a kill can cut off. */
const MAX_CONCURRENT = 4;

/** Set DSYNC_KILL_SEED to replay a run's kill points; the seed is in the test's name. */
const SEED = Number(process.env.DSYNC_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * Where the kills fall: KILLS distinct points of the whole run, in requests (its open days),
 * spread over all but its last tenth so every run has something left to do after its kill.
 */
function killPoints(random: () => number): number[] {
  const points = new Set<number>();
  const span = Math.floor(days * 0.9);
  while (points.size < KILLS) points.add(1 + Math.floor(random() * span));
  return [...points].sort((a, b) => a - b);
}

/** Resolves once `check` holds, asking every few ms: a kill point is a count of requests, not a time. */
async function pollUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
}

const dailyServed = (sandbox: TushareSandbox) => sandbox.counters().byApi.daily?.served ?? 0;

/** Starts a sync and SIGKILLs it once the sandbox has served `k` more daily requests. */
async function killAfter(
  scan: SecretScan,
  dir: string,
  sandbox: TushareSandbox,
  k: number,
): Promise<void> {
  const before = dailyServed(sandbox);
  const running: Running = scan.start(dir, ['sync', ...range], TOKEN_ENV);
  let exited = false;
  void running.done.then(() => (exited = true));
  await pollUntil(() => exited || dailyServed(sandbox) >= before + k);
  running.signal('SIGKILL');
  const killed = await running.done;
  // Killed, not finished on its own: a run that ended before its kill point tests nothing.
  expect({ k, code: killed.code }).toEqual({ k, code: null });
}

describe(`dsync sync killed at ${KILLS} random points (seed ${SEED}), resumed each time`, () => {
  const scan = useSecretScan();

  it(`ends with exactly the ground truth, repeating at most ${MAX_CONCURRENT} requests a kill (seed ${SEED})`, async () => {
    scan.secret(TOKEN);
    const random = prng(SEED);
    const sandbox = await startTushareSandbox({
      market: new Market(market),
      accounts: [{ token: TOKEN, tier: { perMinute: 100_000, apis: 'all' } }],
    });
    try {
      const dir = scan.project(
        { 'dsync.config.yaml': projectConfig({ url: sandbox.url }) },
        TOKEN_ENV,
      );
      let done = 0;
      let kills = 0;
      for (const target of killPoints(random)) {
        // Counted from this run's start: its first requests may repeat what the last kill cut off.
        expect(days - done).toBeGreaterThan(1);
        await killAfter(scan, dir, sandbox, Math.max(1, target - done));
        done = await expectDailyMatchesLedger(scan, dir, market);
        kills++;
        // Served but not done: the answers each kill cut off before they were stored.
        expect(dailyServed(sandbox) - done).toBeLessThanOrEqual(kills * MAX_CONCURRENT);
      }
      const last = await scan.dsync(dir, ['sync', ...range], TOKEN_ENV);
      expect(last.code).toBe(0);

      const db = projectDb(dir);
      expect(await storedSum(db, 'tushare.daily')).toEqual(dailyTruthSum(market, SINCE, UNTIL));
      expect(await duplicateKeys(db, 'tushare.daily')).toBe(0);
      const status = await scan.dsync(dir, ['status', '--json'], TOKEN_ENV);
      const sources = JSON.parse(status.stdout) as { sourceId: string; pendingTasks: number }[];
      expect(sources.map((s) => [s.sourceId, s.pendingTasks])).toEqual([
        ['tushare.trade_cal', 0],
        ['tushare.daily', 0],
      ]);
      // Each open day is one request; any beyond were served and then lost to a kill.
      const repeated = dailyServed(sandbox) - days;
      console.log(`seed ${SEED}: ${KILLS} kills, ${repeated} daily requests repeated`);
      expect(repeated).toBeGreaterThanOrEqual(0);
      expect(repeated).toBeLessThanOrEqual(KILLS * MAX_CONCURRENT);
    } finally {
      await sandbox.close();
    }
  });
});
