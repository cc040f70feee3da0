import { describe, expect, it } from '@jest/globals';
import { DataSourceRegistry } from '@dsync/datasource';
import { groundTruth, Market, type MarketOptions } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import { addDays } from '@dsync/arg-generation';
import {
  dailyTruth,
  dsync,
  freshVhost,
  marketOver,
  projectConfig,
  projectDb,
  start,
  startSandbox,
  storedDaily,
  TOKEN_ENV,
  useProjects,
  waitUntil,
} from './e2e-helpers.js';

const ENV = TOKEN_ENV;

/** Rows in the daily table: what a worker has stored so far. */
async function dailyRows(url: string): Promise<number> {
  const storage = createStorage({ url });
  try {
    return await storage.countRows(DataSourceRegistry.load(['tushare.daily']).get('tushare.daily'));
  } finally {
    await storage.close();
  }
}

/** `dsync` commands that run until Ctrl-C: daemon, worker, sandbox. */
describe('dsync daemon, worker and sandbox (the built binary)', () => {
  const project = useProjects();

  it('daemon syncs what is due at start and on its croner schedule, and Ctrl-C stops it with exit 0', async () => {
    // The daemon syncs up to the latest published day, so this market runs up to today.
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const market: MarketOptions = { seed: 'cli-daemon', symbols: 4, start: since };
    const sandbox = await startSandbox(market);
    try {
      const dir = project({
        'dsync.config.yaml': projectConfig({
          url: sandbox.url,
          sources: [
            `{ extends: tushare.trade_cal, since: ${since} }`,
            `{ extends: tushare.daily, since: ${since}, schedule: '* * * * * *' }`,
          ],
        }),
      });
      const daemon = start(dir, ['daemon'], ENV);
      await daemon.waitFor(' start: done, tushare.trade_cal 1 request ');
      // The every-second schedule fires once the first run is over: a check of its own, which
      // asks again the days that may still change.
      await daemon.waitFor('schedule "* * * * * *": done, tushare.daily ');
      const asked = Date.now() - 2_000;
      daemon.signal('SIGINT');
      const stopped = await daemon.done;
      const stoppedAt = Date.now();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toContain('checks every 15 min. Ctrl-C stops it.');

      const status = JSON.parse((await dsync(dir, ['status', '--json'], ENV)).stdout) as {
        sourceId: string;
        cursor: string;
        unsettled?: { start: string; end: string };
      }[];
      const daily = status.find((s) => s.sourceId === 'tushare.daily');
      const cursor = daily?.cursor as string;
      const stored = await storedDaily(projectDb(dir));
      // Settled days hold exactly the final truth; the rest what the replica served when
      // last asked (a day published in between is the only way the two instants differ).
      expect(stored.filter((key) => key.slice(-10) <= cursor)).toEqual(
        dailyTruth(market, since, cursor),
      );
      const today = new Date(stoppedAt).toISOString().slice(0, 10);
      expect([
        dailyTruth(market, since, today, asked),
        dailyTruth(market, since, today, stoppedAt),
      ]).toContainEqual(stored);
      // A scheduled run asks each day after the cursor again, and nothing settled before it.
      const [, requests] =
        /schedule "\* \* \* \* \* \*": done, tushare\.daily (\d+) requests?/.exec(stopped.stdout) ??
        [];
      const tail = daily?.unsettled;
      expect(tail?.start).toBe(addDays(cursor, 1));
      expect(Number(requests)).toBe(
        new Market(market).openDays(tail?.start ?? '', tail?.end ?? '').length,
      );
    } finally {
      await sandbox.close();
    }
  });

  it('daemon finds a settled day an earlier version lost, and fetches it at once', async () => {
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const market: MarketOptions = { seed: 'cli-daemon-holes', symbols: 4, start: since };
    const sandbox = await startSandbox(market);
    try {
      const dir = project({
        'dsync.config.yaml': projectConfig({
          url: sandbox.url,
          sources: [
            `{ extends: tushare.trade_cal, since: ${since} }`,
            'tushare.stock_basic',
            `{ extends: tushare.daily, since: ${since} }`,
          ],
        }),
      });
      expect((await dsync(dir, ['sync'], ENV)).code).toBe(0);
      // As a version that moved its cursor over unpublished days left it: a settled day asked
      // before its bars were out, kept as done with no rows.
      const lost = new Market(market).openDays(addDays(since, 2), addDays(since, 12))[0] as string;
      const storage = createStorage({ url: projectDb(dir) });
      await storage.ready();
      const removed = await storage.knex('tushare_daily').where('trade_date', lost).del();
      await storage
        .knex('dsync_tasks')
        .where({
          source_id: 'tushare.daily',
          key: `daily?limit=6000&trade_date=${lost.replaceAll('-', '')}`,
        })
        .update({ rows: 0, updated_at: `${lost}T10:05:00.000Z` });
      await storage.close();
      expect(removed).toBeGreaterThan(0);

      const daemon = start(dir, ['daemon'], ENV);
      await daemon.waitFor(`: queued 1 request`);
      // Queued, then fetched at once: the run that follows the check asks that day (and the
      // days not settled yet, as every run does).
      await daemon.waitFor(': done, tushare.daily ');
      daemon.signal('SIGINT');
      const stopped = await daemon.done;
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(
        new RegExp(
          `tushare\\.daily had \\d+ missing cells? in its settled days ${since}\\.\\.\\d{4}-\\d\\d-\\d\\d: queued 1 request`,
        ),
      );
      const status = JSON.parse((await dsync(dir, ['status', '--json'], ENV)).stdout) as {
        sourceId: string;
        cursor: string;
      }[];
      const cursor = status.find((s) => s.sourceId === 'tushare.daily')?.cursor as string;
      const stored = await storedDaily(projectDb(dir));
      expect(stored.filter((key) => key.slice(-10) <= cursor)).toEqual(
        dailyTruth(market, since, cursor),
      );
    } finally {
      await sandbox.close();
    }
  });

  it('worker stores what sync published to RabbitMQ, exactly, and Ctrl-C stops it with exit 0', async () => {
    const {
      market,
      range,
      days,
      truth: truthOf,
    } = marketOver('cli-worker', 5, '2024-01-01', '2024-02-29');
    const truth = truthOf();
    const [sandbox, vhost] = await Promise.all([startSandbox(market), freshVhost()]);
    try {
      const dir = project({
        'dsync.config.yaml': projectConfig({
          url: sandbox.url,
          queue: `{ url: "${vhost.url}", exchange: dsync.e2e, queue: dsync.e2e.batches }`,
        }),
      });
      const url = projectDb(dir);
      const sync = await dsync(dir, ['sync', ...range], ENV);
      expect(sync.code).toBe(0);
      // Published, not stored: the worker stores it.
      expect(await dailyRows(url)).toBe(0);

      const worker = start(dir, ['worker'], ENV);
      await worker.waitFor('Worker consuming dsync.e2e.batches');
      await waitUntil(async () => (await dailyRows(url)) === truth.length);
      worker.signal('SIGINT');
      const stopped = await worker.done;
      expect(stopped.code).toBe(0);
      // A batch per day, and the calendar's one: it is published too, besides being stored at once.
      expect(stopped.stdout).toContain(
        `Worker stopped: ${days + 1} batches stored, 0 retried, 0 dead-lettered.`,
      );
      expect(await storedDaily(url)).toEqual(truth);
    } finally {
      await Promise.all([sandbox.close(), vhost.remove()]);
    }
  });

  it('sandbox prints its URLs, answers as Tushare does, and Ctrl-C stops it with exit 0', async () => {
    const market = { seed: 'cli-sandbox', symbols: 3, start: '2024-01-02', end: '2024-01-31' };
    const sandbox = start(project(), [
      'sandbox',
      ...['--seed', market.seed, '--symbols', '3', '--start', market.start, '--end', market.end],
    ]);
    await sandbox.waitFor('"market"');
    const started = JSON.parse(sandbox.stdout().split('\n')[0] as string) as {
      tushare: { url: string; token: string };
    };
    const params = { exchange: 'SSE', start_date: '20240102', end_date: '20240131' };
    const answer = await fetch(started.tushare.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_name: 'trade_cal', token: started.tushare.token, params }),
    });
    const body = (await answer.json()) as {
      code: number;
      data: { fields: string[]; items: unknown[][] };
    };
    expect(body.code).toBe(0);
    const rows = body.data.items.map((item) =>
      Object.fromEntries(body.data.fields.map((field, i) => [field, item[i]])),
    );
    expect(rows).toEqual([...groundTruth(new Market(market)).tushare('trade_cal', params)]);
    sandbox.signal('SIGINT');
    expect((await sandbox.done).code).toBe(0);
  });
});
