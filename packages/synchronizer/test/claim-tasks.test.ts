import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtInCatalog,
  CATALOG_DEFINITIONS,
  createRequestArgs,
  defineDataSource,
  type DataSource,
  type RequestArgs,
} from '@dsync/datasource';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import { claimTasks } from '../src/engine/claim-tasks.js';

const daily = builtInCatalog().get('tushare.daily') as DataSource;
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

/** The daily request of a day that settles at `settles`. */
const dayArgs = (day: string, settles: string): RequestArgs =>
  createRequestArgs(
    'tushare.daily',
    'daily',
    { trade_date: day },
    {
      window: { start: day, end: day },
      settles,
    },
  );

let dir: string;
let storage: KnexStorage;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsync-claim-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'ledger.db')}` });
  await storage.ready();
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Claims the args, then records each one's answer as sent at `sentAt`. */
async function askAt(source: DataSource, runId: string, args: RequestArgs[], sentAt: string) {
  const claimed = await claimTasks(storage.checkpoints, source, runId, args, at(sentAt));
  for (const a of claimed.due)
    await storage.checkpoints.updateTask(source.id, a.key, { status: 'done', at: sentAt });
  return { due: claimed.due.map((a) => a.params['trade_date']), skipped: claimed.skipped };
}

describe('claimTasks: which requests a run asks, by what the ledger holds', () => {
  const monday = dayArgs('20240108', '2024-01-09T12:00:00.000Z');
  const tuesday = dayArgs('20240109', '2024-01-10T12:00:00.000Z');

  it('asks a day again on each run until an answer came after it settled, then never', async () => {
    // Tuesday 18:05 Shanghai: Monday not settled (until Tuesday 20:00), Tuesday not either.
    expect(await askAt(daily, 'run-1', [monday, tuesday], '2024-01-09T10:05:00.000Z')).toEqual({
      due: ['20240108', '20240109'],
      skipped: 0,
    });
    // Tuesday 21:00: Monday has settled since its answer: asked once more, final.
    expect(await askAt(daily, 'run-2', [monday, tuesday], '2024-01-09T13:00:00.000Z')).toEqual({
      due: ['20240108', '20240109'],
      skipped: 0,
    });
    // Wednesday 21:00: Monday's answer is final; Tuesday has settled since: asked once more.
    expect(await askAt(daily, 'run-3', [monday, tuesday], '2024-01-10T13:00:00.000Z')).toEqual({
      due: ['20240109'],
      skipped: 1,
    });
    expect(await askAt(daily, 'run-4', [monday, tuesday], '2024-01-11T13:00:00.000Z')).toEqual({
      due: [],
      skipped: 2,
    });
  });

  it('reopens a day asked again under the new run, pending until its answer comes', async () => {
    await askAt(daily, 'run-1', [monday], '2024-01-09T10:05:00.000Z');
    await claimTasks(storage.checkpoints, daily, 'run-2', [monday], at('2024-01-09T13:00:00Z'));
    const [task] = await storage.checkpoints.unfinishedTasks('tushare.daily');
    expect([task?.runId, task?.status, task?.key]).toEqual(['run-2', 'pending', monday.key]);
    expect((await storage.checkpoints.getSourceState('tushare.daily')).pendingTasks).toBe(1);
  });

  it('asks an unsettled period again only once its recheck interval has passed', async () => {
    const input = CATALOG_DEFINITIONS.find((d) => d.id === 'tushare.income');
    const income = defineDataSource({ ...input!, publication: { recheck: '7d' } });
    const period = createRequestArgs(
      'tushare.income',
      'income',
      { period: '20240331' },
      {
        window: { start: '2024-03-31', end: '2024-03-31' },
        settles: '2024-08-01T13:00:00.000Z',
      },
    );
    const ask = async (when: string) =>
      (await askAt(income, when, [period], when)).due.length === 1;
    expect(await ask('2024-05-02T13:00:00.000Z')).toBe(true);
    expect(await ask('2024-05-03T13:00:00.000Z')).toBe(false);
    expect(await ask(new Date(at('2024-05-09T13:00:00.000Z') - 2 * HOUR).toISOString())).toBe(
      false,
    );
    // A week later, give or take the minutes a daily run starts earlier than the last.
    expect(await ask('2024-05-09T12:50:00.000Z')).toBe(true);
    // Settled: asked once, whatever the interval, then never.
    expect(await ask('2024-08-01T13:00:00.000Z')).toBe(true);
    expect(await ask('2024-08-20T13:00:00.000Z')).toBe(false);
  });

  it('skips a request whose data never changes once it has an answer', async () => {
    const snapshot = createRequestArgs(
      'tushare.stock_basic',
      'stock_basic',
      {},
      {
        asOf: '2024-01-09',
      },
    );
    const stockBasic = builtInCatalog().get('tushare.stock_basic') as DataSource;
    const first = await claimTasks(storage.checkpoints, stockBasic, 'r1', [snapshot], 0);
    await storage.checkpoints.updateTask('tushare.stock_basic', snapshot.key, { status: 'done' });
    const second = await claimTasks(storage.checkpoints, stockBasic, 'r2', [snapshot], 0);
    expect([first.due.length, second.due.length, second.skipped]).toEqual([1, 0, 1]);
  });
});
