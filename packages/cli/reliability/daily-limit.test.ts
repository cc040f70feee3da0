/**
 * The provider's daily limit: a sync stops at it (exit 3, naming when the quota resets) with
 * exactly the allowed days stored, and the next provider day's run goes on from there, until
 * the table is exactly the ground truth. "The next day" is both clocks moved a day ahead:
 * dsync's under libfaketime, the sandbox's through its `now` option.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import {
  clearOfDayEnd,
  Market,
  startTushareSandbox,
  type CounterSet,
  type TushareSandbox,
} from '@dsync/sandbox';
import {
  envOnDay,
  LIBFAKETIME,
  marketOver,
  projectConfig,
  projectDb,
  TOKEN,
  TOKEN_ENV,
} from '../test/e2e-helpers.js';
import {
  bySize,
  expectDailyMatchesLedger,
  dailyTruthSum,
  duplicateKeys,
  storedSum,
  useSecretScan,
  type SecretScan,
} from './harness.js';

const SINCE = '2024-01-01';
const UNTIL = bySize('2024-02-29', '2024-12-31');
const { market, range, days } = marketOver('reliability-daily', bySize(3, 10), SINCE, UNTIL);
/** Daily calls a provider day allows: a few days' worth of the open days. */
const PER_DAY = bySize(15, 70);
const DAY_MS = 86_400_000;
/** Shanghai has no daylight saving: its midnight is 16:00 UTC. */
const SHANGHAI_MS = 8 * 3_600_000;
/** projectConfig's `maxConcurrent`: how many calls can be on their way when the first is refused. */
const MAX_CONCURRENT = 4;

/** The next midnight in Shanghai after `time`, as dsync prints it. */
const nextShanghaiMidnight = (time: number): string =>
  new Date(Math.floor((time + SHANGHAI_MS) / DAY_MS) * DAY_MS + DAY_MS - SHANGHAI_MS).toISOString();

/** The line a run stopped at the sandbox's daily limit ends with, on provider day `ahead`. */
const stoppedLine = (ahead: number): string =>
  `Stopped at a limit: 40203 抱歉，您每天最多访问该接口${PER_DAY}次，权限的具体详情访问：` +
  `https://tushare.pro/document/1?doc_id=108。 [limit: ${PER_DAY}/day] ` +
  `Run again after ${nextShanghaiMidnight(Date.now() + ahead * DAY_MS)} to resume.`;

const dailyCounts = (sandbox: TushareSandbox): CounterSet =>
  sandbox.counters().byApi.daily ?? { served: 0, throttled: 0, rejected: 0, faulted: 0 };

/** What a run on provider day `ahead` asked of the daily api. */
async function syncOnDay(scan: SecretScan, dir: string, sandbox: TushareSandbox, ahead: number) {
  const before = dailyCounts(sandbox);
  const result = await scan.dsync(dir, ['sync', ...range], envOnDay(ahead));
  const after = dailyCounts(sandbox);
  return {
    result,
    served: after.served - before.served,
    throttled: after.throttled - before.throttled,
  };
}

describe(`the daily limit: ${PER_DAY} calls a day for ${days} open days`, () => {
  const scan = useSecretScan();

  it('stops at the limit with exactly the allowed days stored, and finishes on the following days', async () => {
    expect(existsSync(LIBFAKETIME)).toBe(true);
    expect(PER_DAY * 2).toBeLessThan(days);
    scan.secret(TOKEN);
    // The days counted below must not change under the test on the real clock.
    await clearOfDayEnd('Asia/Shanghai', bySize(2, 5) * 60_000);
    let ahead = 0;
    const sandbox = await startTushareSandbox({
      market: new Market(market),
      accounts: [{ token: TOKEN, tier: { perMinute: 100_000, perDay: PER_DAY, apis: 'all' } }],
      now: () => Date.now() + ahead * DAY_MS,
    });
    try {
      const dir = scan.project(
        { 'dsync.config.yaml': projectConfig({ url: sandbox.url }) },
        TOKEN_ENV,
      );

      const first = await syncOnDay(scan, dir, sandbox, ahead);
      expect(first.result.code).toBe(3);
      expect(first.result.stdout.trimEnd().split('\n').at(-1)).toBe(stoppedLine(ahead));
      expect(first.served).toBe(PER_DAY);
      expect(first.throttled).toBeGreaterThanOrEqual(1);
      expect(first.throttled).toBeLessThanOrEqual(MAX_CONCURRENT);
      expect(await expectDailyMatchesLedger(scan, dir, market)).toBe(PER_DAY);

      // The same day again: the provider's refusal is kept in the ledger, so the run stops
      // before calling, naming the same reset.
      const again = await syncOnDay(scan, dir, sandbox, ahead);
      expect(again.result.code).toBe(3);
      expect(again.result.stdout.trimEnd().split('\n').at(-1)).toBe(
        `Stopped at a limit: The daily quota of tushare:default:daily is spent; it resets at ` +
          `${nextShanghaiMidnight(Date.now() + ahead * DAY_MS)}. ` +
          `Run again after ${nextShanghaiMidnight(Date.now() + ahead * DAY_MS)} to resume.`,
      );
      expect([again.served, again.throttled]).toEqual([0, 0]);
      expect(await expectDailyMatchesLedger(scan, dir, market)).toBe(PER_DAY);

      let stored = PER_DAY;
      while (days - stored > PER_DAY) {
        ahead++;
        const next = await syncOnDay(scan, dir, sandbox, ahead);
        expect(next.result.code).toBe(3);
        expect(next.result.stdout.trimEnd().split('\n').at(-1)).toBe(stoppedLine(ahead));
        expect(next.served).toBe(PER_DAY);
        stored += PER_DAY;
        expect(await expectDailyMatchesLedger(scan, dir, market)).toBe(stored);
      }
      ahead++;
      const last = await syncOnDay(scan, dir, sandbox, ahead);
      expect(last.result.code).toBe(0);
      expect(last.served).toBe(days - stored);
      expect(last.throttled).toBe(0);

      const db = projectDb(dir);
      expect(await storedSum(db, 'tushare.daily')).toEqual(dailyTruthSum(market, SINCE, UNTIL));
      expect(await duplicateKeys(db, 'tushare.daily')).toBe(0);
      expect(dailyCounts(sandbox).served).toBe(days);
    } finally {
      await sandbox.close();
    }
  });
});
