import { describe, expect, it } from '@jest/globals';
import { createStorage } from '@dsync/storage-adapters';
import {
  dsync,
  marketOver,
  projectConfig,
  projectDb,
  storedDaily,
  TOKEN_ENV,
  useProjects,
  useSandbox,
} from './e2e-helpers.js';

const {
  market: MARKET,
  range: RANGE,
  truth: truthOf,
} = marketOver('cli-audit', 6, '2024-01-01', '2024-02-29');
const ENV = TOKEN_ENV;

interface Audit {
  sourceId: string;
  range: { start: string; end: string };
  expected: number;
  stored: number;
  missing: number;
  holes: { date: string; missing: number; keys: string[] }[];
  queued?: number;
}

/** Deletes stored daily cells (`ts_code trade_date`), as a lost file or a bad manual fix would. */
async function deleteDaily(url: string, cells: readonly string[]): Promise<void> {
  const storage = createStorage({ url });
  await storage.ready();
  try {
    for (const cell of cells) {
      const [tsCode, tradeDate] = cell.split(' ');
      await storage.knex('tushare_daily').where({ ts_code: tsCode, trade_date: tradeDate }).del();
    }
  } finally {
    await storage.close();
  }
}

describe('dsync audit, end to end (the built binary against the sandbox)', () => {
  const project = useProjects();
  const truth = truthOf();

  const sandbox = useSandbox(MARKET);

  it('reports exactly the deleted rows as holes; --backfill queues them and the next sync fetches just those', async () => {
    const dir = project({
      'dsync.config.yaml': projectConfig({
        url: sandbox().url,
        sources: ['tushare.stock_basic', 'tushare.daily'],
      }),
    });
    const url = projectDb(dir);
    expect((await dsync(dir, ['sync', ...RANGE], ENV)).code).toBe(0);
    expect(await storedDaily(url)).toEqual(truth);

    // Every symbol of one day, and one symbol of another.
    const days = [...new Set(truth.map((k) => k.split(' ')[1] as string))].sort();
    const [wholeDay, oneCellDay] = [days[3] as string, days[20] as string];
    const wholeDayCells = truth.filter((k) => k.endsWith(` ${wholeDay}`));
    const oneCell = truth.find((k) => k.endsWith(` ${oneCellDay}`)) as string;
    await deleteDaily(url, [...wholeDayCells, oneCell]);
    const missing = wholeDayCells.length + 1;

    const audit = await dsync(dir, ['audit', 'tushare.daily', ...RANGE, '--json'], ENV);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout) as Audit[]).toEqual([
      {
        sourceId: 'tushare.daily',
        range: { start: '2024-01-01', end: '2024-02-29' },
        expected: truth.length,
        stored: truth.length - missing,
        missing,
        holes: [
          {
            date: wholeDay,
            missing: wholeDayCells.length,
            keys: wholeDayCells.map((k) => k.split(' ')[0]),
          },
          { date: oneCellDay, missing: 1, keys: [oneCell.split(' ')[0]] },
        ],
      },
    ]);
    const table = await dsync(dir, ['audit', 'tushare.daily', ...RANGE], ENV);
    expect(table.stdout).toMatch(
      new RegExp(
        `^tushare\\.daily\\s+2024-01-01\\.\\.2024-02-29\\s+${truth.length}\\s+${truth.length - missing}\\s+${missing}\\s+${wholeDay}$`,
        'm',
      ),
    );

    // A market-wide source fills a hole by fetching its day whole: one request per day.
    const backfill = await dsync(
      dir,
      ['audit', 'tushare.daily', ...RANGE, '--backfill', '--json'],
      ENV,
    );
    expect(backfill.code).toBe(0);
    expect((JSON.parse(backfill.stdout) as Audit[]).map((a) => [a.missing, a.queued])).toEqual([
      [missing, 2],
    ]);

    sandbox().resetCounters();
    const sync = await dsync(dir, ['sync', 'tushare.daily', ...RANGE, '--json'], ENV);
    expect(sync.code).toBe(0);
    const run = JSON.parse(sync.stdout) as { sources: { sourceId: string; requests: number }[] };
    expect(run.sources.find((s) => s.sourceId === 'tushare.daily')?.requests).toBe(2);
    expect(sandbox().counters().byApi.daily?.served).toBe(2);
    expect(await storedDaily(url)).toEqual(truth);
    const after = JSON.parse(
      (await dsync(dir, ['audit', 'tushare.daily', ...RANGE, '--json'], ENV)).stdout,
    ) as Audit[];
    expect(after.map((a) => [a.expected, a.missing, a.holes])).toEqual([[truth.length, 0, []]]);
  });

  it('exits 1 before the calendar is stored, naming the source to sync first', async () => {
    const dir = project({ 'dsync.config.yaml': projectConfig({ url: sandbox().url }) });
    const audit = await dsync(dir, ['audit', 'tushare.daily', ...RANGE], ENV);
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain(
      'no calendar of tushare.trade_cal (exchange SSE) is stored: sync tushare.trade_cal first',
    );
  });
});
