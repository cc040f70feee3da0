import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import {
  dsync,
  envOnDay,
  marketOver,
  projectConfig,
  projectDb,
  start,
  startSandbox,
  storedDaily,
  TOKEN,
  TOKEN_ENV,
  useProjects,
  useSandbox,
} from './e2e-helpers.js';

/** Open days in the range: one daily request each; truthKeys: a complete daily table's keys. */
const {
  market: MARKET,
  range: RANGE,
  days: DAYS,
  truth: truthKeys,
} = marketOver('cli', 8, '2024-01-01', '2024-03-29');

const config = (url: string, storage?: string) =>
  projectConfig({ url, ...(storage === undefined ? {} : { storage }) });

const storedKeys = (dir: string) => storedDaily(projectDb(dir));

describe('dsync sync, end to end (the built binary against the sandbox)', () => {
  const projectWith = useProjects();
  const project = (text: string) => projectWith({ 'dsync.config.yaml': text });

  const sandbox = useSandbox(MARKET);

  it('stores exactly the ground truth, prints plain progress when not a TTY, and exits 0', async () => {
    const dir = project(config(sandbox().url));
    sandbox().resetCounters();
    const result = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.code).toBe(0);
    const keys = truthKeys();
    expect(await storedKeys(dir)).toEqual(keys);
    expect(result.stdout).toContain(`tushare.daily: done, ${DAYS} requests, ${keys.length} rows`);
    expect(result.stderr).toContain('tushare.daily: started');
    // The token never shows, in output or in the stored ledger's errors.
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(sandbox().counters().total.throttled).toBe(0);

    // Nothing left: a second run makes no request for daily.
    sandbox().resetCounters();
    const again = await dsync(dir, ['sync', 'tushare.daily', ...RANGE, '--json'], TOKEN_ENV);
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout) as {
      status: string;
      sources: { sourceId: string; requests: number; skipped: number }[];
    };
    expect(json.status).toBe('done');
    expect(json.sources.find((s) => s.sourceId === 'tushare.daily')).toMatchObject({
      requests: 0,
      skipped: DAYS,
    });
  });

  it('answers status, runs, tasks and plan as JSON of a fixed shape', async () => {
    const dir = project(config(sandbox().url));
    await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    const env = TOKEN_ENV;
    const status = JSON.parse((await dsync(dir, ['status', '--json'], env)).stdout) as Record<
      string,
      unknown
    >[];
    expect(status.map((s) => [s.sourceId, s.pendingTasks, s.failedTasks])).toEqual([
      ['tushare.trade_cal', 0, 0],
      ['tushare.daily', 0, 0],
    ]);
    expect(status[1]).toMatchObject({ rows: truthKeys().length, quotaUsedToday: DAYS });
    const runs = JSON.parse((await dsync(dir, ['runs', '--json'], env)).stdout) as Record<
      string,
      unknown
    >[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'done',
      sourceIds: ['tushare.trade_cal', 'tushare.daily'],
    });
    const tasks = JSON.parse(
      (await dsync(dir, ['tasks', '--source', 'tushare.daily', '--limit', '500', '--json'], env))
        .stdout,
    ) as Record<string, unknown>[];
    expect(tasks).toHaveLength(DAYS);
    expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(['done']));
    const plan = JSON.parse(
      (
        await dsync(
          dir,
          ['plan', 'tushare.daily', '--since', '2024-04-01', '--until', '2024-04-30', '--json'],
          env,
        )
      ).stdout,
    ) as Record<string, unknown>[];
    // The calendar first: daily's requests are its open days, and April's are not stored yet.
    expect(plan.map((p) => [p.sourceId, p.api])).toEqual([
      ['tushare.trade_cal', 'trade_cal'],
      ['tushare.daily', 'daily'],
    ]);
  });

  it('plans per-day sources by weekdays until the calendar is stored, then exactly what the sync requests', async () => {
    const dir = project(config(sandbox().url));
    const env = TOKEN_ENV;
    type Plan = { sourceId: string; requests: number; count: string; note?: string };
    const planOf = async (range: readonly string[]) => {
      const result = await dsync(dir, ['plan', 'tushare.daily', ...range, '--json'], env);
      expect(result.code).toBe(0);
      const plans = JSON.parse(result.stdout) as Plan[];
      return plans.find((p) => p.sourceId === 'tushare.daily');
    };
    // 2024-01-01 is a Monday and 2024-03-29 a Friday: 13 weeks of 5 weekdays.
    expect(await planOf(RANGE)).toMatchObject({
      requests: 65,
      count: 'estimate',
      note: 'weekdays where tushare.trade_cal (SSE) is not stored for 2024-01-01..2024-03-29',
    });
    const table = await dsync(dir, ['plan', 'tushare.daily', ...RANGE], env);
    expect(table.stdout).toMatch(/^tushare\.daily\s+daily\s+~65\s/m);
    expect(table.stdout).toContain('~ estimated: open days are counted as weekdays');

    expect((await dsync(dir, ['sync', 'tushare.trade_cal', ...RANGE], env)).code).toBe(0);
    expect(await planOf(RANGE)).toMatchObject({ requests: DAYS, count: 'exact' });
    expect((await planOf(RANGE))?.note).toBeUndefined();
    // Past the stored calendar, April's 22 weekdays are estimated on top of the stored open days.
    expect(await planOf(['--since', '2024-01-01', '--until', '2024-04-30'])).toMatchObject({
      requests: DAYS + 22,
      count: 'estimate',
    });

    const synced = await dsync(dir, ['sync', 'tushare.daily', ...RANGE, '--json'], env);
    const run = JSON.parse(synced.stdout) as { sources: { sourceId: string; requests: number }[] };
    expect(run.sources.find((s) => s.sourceId === 'tushare.daily')?.requests).toBe(DAYS);
  });

  it('exits 3 at the daily limit, then resumes without fetching a done task again', async () => {
    const limited = await startSandbox(MARKET, { perDay: 20 });
    try {
      const dir = project(config(limited.url));
      const first = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
      expect(first.code).toBe(3);
      expect(first.stdout).toContain('Stopped at a limit');
      const firstCalls = limited.counters().byApi.daily?.served ?? 0;
      expect(firstCalls).toBeGreaterThan(0);
      // The same day, the stop is kept: nothing is called until the provider's midnight.
      const calledFirst = { ...limited.counters().byApi.daily };
      const again = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
      expect(again.code).toBe(3);
      expect(limited.counters().byApi.daily).toEqual(calledFirst);
      // The next day: dsync's clock a day ahead, against the same market behind an account
      // without the daily limit (the limited sandbox keeps the real day).
      const other = project(config(sandbox().url, projectDb(dir)));
      sandbox().resetCounters();
      const resumed = await dsync(
        dir,
        ['--config', join(other, 'dsync.config.yaml'), 'sync', 'tushare.daily', ...RANGE],
        envOnDay(1),
      );
      expect(resumed.code).toBe(0);
      expect(await storedKeys(dir)).toEqual(truthKeys());
      expect((sandbox().counters().byApi.daily?.served ?? 0) + firstCalls).toBe(DAYS);
    } finally {
      await limited.close();
    }
  });

  it('checkpoints on Ctrl-C (exit 130), and the resumed run ends with the same table', async () => {
    const slow = await startSandbox(MARKET);
    try {
      const dir = project(projectConfig({ url: slow.url, perMinute: 600 }));
      const running = start(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
      await running.waitFor('tushare.daily: started');
      await new Promise((resolve) => setTimeout(resolve, 500));
      running.signal('SIGINT');
      const stopped = await running.done;
      expect(stopped.code).toBe(130);
      expect(stopped.stdout).toContain('Cancelled');
      const partial = await storedKeys(dir);
      expect(partial.length).toBeLessThan(truthKeys().length);
      const resumed = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
      expect(resumed.code).toBe(0);
      expect(await storedKeys(dir)).toEqual(truthKeys());
    } finally {
      await slow.close();
    }
  });
});
