import assert from 'node:assert/strict';
import type { CheckpointStore, TaskRecord } from '@dsync/datasource';
import { same, type ContractCase } from './sink-contract.js';

/** What the suite needs of a checkpoint store under test: a fresh, empty one per case. */
export interface CheckpointStoreUnderTest {
  readonly store: CheckpointStore;
  cleanup?(): Promise<void>;
}

const task = (
  key: string,
  status: TaskRecord['status'] = 'pending',
  at = '2024-01-02T00:00:00.000Z',
): TaskRecord => ({
  runId: 'run-1',
  sourceId: 'contract.bars',
  key,
  args: { sourceId: 'contract.bars', api: 'daily', params: { trade_date: key }, key },
  status,
  attempts: 0,
  rows: 0,
  updatedAt: at,
});

/** The cases of the `CheckpointStore` contract. */
export function checkpointStoreContract(
  make: () => Promise<CheckpointStoreUnderTest>,
): ContractCase[] {
  const withStore = (
    name: string,
    body: (store: CheckpointStore) => Promise<void>,
  ): ContractCase => ({
    name,
    async run() {
      const t = await make();
      try {
        await t.store.ready();
        await body(t.store);
      } finally {
        await t.store.close();
        await t.cleanup?.();
      }
    },
  });

  return [
    withStore('records runs and how they ended', async (store) => {
      await store.startRun({
        id: 'run-1',
        sourceIds: ['contract.bars'],
        startedAt: '2024-01-02T00:00:00.000Z',
      });
      assert.equal((await store.getRun('run-1'))?.status, 'running');
      await store.finishRun(
        'run-1',
        'stopped',
        { code: 'E_DAILY_LIMIT', message: 'daily limit' },
        '2024-01-03T00:00:00.000Z',
      );
      const run = await store.getRun('run-1');
      same(
        [run?.status, run?.reason?.code, run?.resumeAfter],
        ['stopped', 'E_DAILY_LIMIT', '2024-01-03T00:00:00.000Z'],
      );
      assert.equal(await store.getRun('nope'), undefined);
    }),
    withStore('keeps a known task as it is when it is added again', async (store) => {
      await store.addTasks([task('a', 'done')]);
      await store.addTasks([task('a', 'pending')]);
      same(
        [...(await store.finishedTasks('contract.bars', ['a', 'z']))],
        [['a', { status: 'done', at: '2024-01-02T00:00:00.000Z' }]],
      );
    }),
    withStore('reopens a finished task under a new run when asked to', async (store) => {
      await store.addTasks([task('a', 'pending')]);
      await store.updateTask('contract.bars', 'a', {
        status: 'done',
        rows: 5,
        attempts: 2,
        at: '2024-01-02T10:00:00.000Z',
      });
      same(
        [...(await store.finishedTasks('contract.bars', ['a']))],
        [['a', { status: 'done', at: '2024-01-02T10:00:00.000Z' }]],
      );
      await store.addTasks(
        [{ ...task('a', 'pending', '2024-01-03T10:00:00.000Z'), runId: 'run-2' }],
        { reopen: true },
      );
      same([...(await store.finishedTasks('contract.bars', ['a']))], []);
      const [again] = await store.unfinishedTasks('contract.bars');
      same(
        [again?.runId, again?.status, again?.attempts, again?.rows, again?.updatedAt],
        ['run-2', 'pending', 0, 0, '2024-01-03T10:00:00.000Z'],
      );
    }),
    withStore('settles done and dropped tasks, and lists the rest oldest first', async (store) => {
      await store.addTasks([
        task('b', 'pending', '2024-01-02T00:00:02.000Z'),
        task('a', 'pending', '2024-01-02T00:00:01.000Z'),
        task('c'),
      ]);
      await store.updateTask('contract.bars', 'c', {
        status: 'dropped',
        lastError: { code: 'E_BAD_ARGUMENT', message: 'bad' },
      });
      await store.updateTask('contract.bars', 'b', { status: 'failed', attempts: 3 });
      same(
        (await store.unfinishedTasks('contract.bars')).map((t) => [t.key, t.status]),
        [
          ['a', 'pending'],
          ['b', 'failed'],
        ],
      );
      same([...(await store.finishedTasks('contract.bars', ['a', 'b', 'c'])).keys()], ['c']);
      assert.equal((await store.getSourceState('contract.bars')).pendingTasks, 2);
    }),
    withStore('moves a cursor forward only', async (store) => {
      await store.advanceCursor('contract.bars', '2024-01-05', '2024-01-05T12:00:00.000Z');
      await store.advanceCursor('contract.bars', '2024-01-01', '2024-01-06T12:00:00.000Z');
      const state = await store.getSourceState('contract.bars');
      same([state.cursor, state.lastSyncedAt], ['2024-01-05', '2024-01-06T12:00:00.000Z']);
    }),
    withStore('adds quota calls up exactly, also when they race', async (store) => {
      await Promise.all(
        Array.from({ length: 10 }, () => store.addQuotaUsage('acct:daily', '2024-01-02', 2)),
      );
      assert.equal((await store.getQuotaUsage('acct:daily', '2024-01-02')).used, 20);
      assert.equal((await store.getQuotaUsage('acct:daily', '2024-01-03')).used, 0);
    }),
    withStore("keeps the provider's daily stop beside the day's count", async (store) => {
      await store.addQuotaUsage('acct:daily', '2024-01-02', 7);
      await store.markQuotaSpent('acct:daily', '2024-01-02', '2024-01-02T16:00:00.000Z');
      await store.markQuotaSpent('acct:other', '2024-01-02', '2024-01-02T16:00:00.000Z');
      same(await store.getQuotaUsage('acct:daily', '2024-01-02'), {
        scope: 'acct:daily',
        day: '2024-01-02',
        used: 7,
        spentUntil: '2024-01-02T16:00:00.000Z',
      });
      same(await store.getQuotaUsage('acct:other', '2024-01-02'), {
        scope: 'acct:other',
        day: '2024-01-02',
        used: 0,
        spentUntil: '2024-01-02T16:00:00.000Z',
      });
      same(await store.getQuotaUsage('acct:daily', '2024-01-03'), {
        scope: 'acct:daily',
        day: '2024-01-03',
        used: 0,
      });
    }),
  ];
}
