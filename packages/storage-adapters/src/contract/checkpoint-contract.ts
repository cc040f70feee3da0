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

/** A task of another source, to show a case leaves it alone. */
const otherTask = (key: string): TaskRecord => ({
  ...task(key),
  sourceId: 'contract.other',
  args: { sourceId: 'contract.other', api: 'daily', params: { trade_date: key }, key },
});

/** A source's state as one comparable tuple: cursor, sync time, settings, pending count. */
const stateOf = async (store: CheckpointStore, sourceId: string) => {
  const state = await store.getSourceState(sourceId);
  return [state.cursor, state.lastSyncedAt, state.settings, state.pendingTasks];
};

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
    withStore('keeps a queued run’s settings per source as they were given', async (store) => {
      const settings = {
        'contract.bars': {
          definition: 'a'.repeat(16),
          account: 'b'.repeat(16),
          limits: 'c'.repeat(16),
        },
      };
      await store.startRun({
        id: 'run-q',
        sourceIds: ['contract.bars'],
        startedAt: '2024-01-02T00:00:00.000Z',
        settings,
      });
      await store.startRun({
        id: 'run-l',
        sourceIds: ['contract.bars'],
        startedAt: '2024-01-02T00:00:01.000Z',
      });
      same((await store.getRun('run-q'))?.settings, settings);
      assert.equal((await store.getRun('run-l'))?.settings, undefined);
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
    withStore(
      'counts a queued batch awaiting its store until its receipt, in either order',
      async (store) => {
        await store.addTasks([task('a'), task('b'), task('c'), task('d'), otherTask('a')]);
        const queued = { status: 'done', rows: 3, awaitsStore: true } as const;
        // a: done, then stored; b: stored before its done update came; c: done, not stored;
        // d: done into a sink that stores at once.
        await store.updateTask('contract.bars', 'a', queued);
        await store.markStored({ runId: 'run-1', sourceId: 'contract.bars', key: 'b' });
        await store.updateTask('contract.bars', 'b', queued);
        await store.updateTask('contract.bars', 'c', queued);
        await store.updateTask('contract.bars', 'd', { status: 'done', rows: 3 });
        await store.updateTask('contract.other', 'a', queued);
        assert.equal(await store.awaitingStore('contract.bars'), 2);
        await store.markStored({ runId: 'run-1', sourceId: 'contract.bars', key: 'a' });
        assert.equal(await store.awaitingStore('contract.bars'), 1);
        const listed = await store.listTasks({ sourceId: 'contract.bars', status: 'done' });
        same(
          listed
            .filter((t) => t.awaitingStore === true)
            .map((t) => t.key)
            .sort(),
          ['c'],
        );
        // The other source's receipt is its own; a receipt of another run changes nothing.
        await store.markStored({ runId: 'run-9', sourceId: 'contract.bars', key: 'c' });
        same(
          [await store.awaitingStore('contract.bars'), await store.awaitingStore('contract.other')],
          [1, 1],
        );
      },
    ),
    withStore(
      'asks a stored task again in a new run: it awaits the new run’s receipt',
      async (store) => {
        await store.addTasks([task('a')]);
        await store.updateTask('contract.bars', 'a', {
          status: 'done',
          rows: 1,
          awaitsStore: true,
        });
        await store.markStored({ runId: 'run-1', sourceId: 'contract.bars', key: 'a' });
        assert.equal(await store.awaitingStore('contract.bars'), 0);
        await store.addTasks([{ ...task('a'), runId: 'run-2' }], { reopen: true });
        await store.updateTask('contract.bars', 'a', {
          status: 'done',
          rows: 1,
          awaitsStore: true,
        });
        // The first run's batch, redelivered late, is not the second run's.
        await store.markStored({ runId: 'run-1', sourceId: 'contract.bars', key: 'a' });
        assert.equal(await store.awaitingStore('contract.bars'), 1);
        await store.markStored({ runId: 'run-2', sourceId: 'contract.bars', key: 'a' });
        assert.equal(await store.awaitingStore('contract.bars'), 0);
        // Done again where rows are stored at once: nothing to await.
        await store.addTasks([{ ...task('a'), runId: 'run-3' }], { reopen: true });
        await store.updateTask('contract.bars', 'a', { status: 'done', rows: 1 });
        assert.equal(await store.awaitingStore('contract.bars'), 0);
      },
    ),
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
    withStore('updates an unsettled task only, saying whether it did', async (store) => {
      if (store.updateUnsettledTask === undefined) return; // optional: the store has none
      await store.addTasks([task('a'), task('b'), task('c')]);
      const at = '2024-01-02T10:00:00.000Z';
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'a', { status: 'done', rows: 5, at }),
        true,
      );
      // Settled already: neither a second done nor a pending (a cut-off copy) changes it.
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'a', { status: 'done', rows: 7 }),
        false,
      );
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'a', { status: 'pending' }),
        false,
      );
      await store.updateTask('contract.bars', 'b', { status: 'dropped' });
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'b', { status: 'done', rows: 1 }),
        false,
      );
      // Failed is not settled: a later attempt may still do it.
      await store.updateTask('contract.bars', 'c', { status: 'failed', attempts: 3 });
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'c', { status: 'done', rows: 2, at }),
        true,
      );
      assert.equal(
        await store.updateUnsettledTask('contract.bars', 'zz', { status: 'done' }),
        false,
      );
      same(
        [...(await store.finishedTasks('contract.bars', ['a', 'b', 'c']))]
          .map(([k, f]) => [k, f.status])
          .sort(),
        [
          ['a', 'done'],
          ['b', 'dropped'],
          ['c', 'done'],
        ],
      );
      same(
        (await store.listTasks({ sourceId: 'contract.bars' })).map((t) => [t.key, t.rows]).sort(),
        [
          ['a', 5],
          ['b', 0],
          ['c', 2],
        ],
      );
    }),
    withStore('moves a cursor forward only', async (store) => {
      await store.advanceCursor('contract.bars', '2024-01-05', '2024-01-05T12:00:00.000Z');
      await store.advanceCursor('contract.bars', '2024-01-01', '2024-01-06T12:00:00.000Z');
      const state = await store.getSourceState('contract.bars');
      same([state.cursor, state.lastSyncedAt], ['2024-01-05', '2024-01-06T12:00:00.000Z']);
    }),
    withStore('records settings and returns those recorded before', async (store) => {
      assert.equal(await store.recordSettings('contract.bars', 'digest-1'), undefined);
      same(await stateOf(store, 'contract.bars'), [undefined, undefined, 'digest-1', 0]);
      assert.equal(await store.recordSettings('contract.bars', 'digest-2'), 'digest-1');
      assert.equal(await store.recordSettings('contract.bars', 'digest-2'), 'digest-2');
      // Per source: another one has none yet.
      assert.equal(await store.recordSettings('contract.other', 'digest-9'), undefined);
      same(await stateOf(store, 'contract.bars'), [undefined, undefined, 'digest-2', 0]);
    }),
    withStore('keeps settings and cursor apart, whichever came first', async (store) => {
      await store.recordSettings('contract.bars', 'digest-1');
      await store.advanceCursor('contract.bars', '2024-01-05', '2024-01-05T12:00:00.000Z');
      same(await stateOf(store, 'contract.bars'), [
        '2024-01-05',
        '2024-01-05T12:00:00.000Z',
        'digest-1',
        0,
      ]);
      await store.advanceCursor('contract.other', '2024-01-04', '2024-01-04T12:00:00.000Z');
      assert.equal(await store.recordSettings('contract.other', 'digest-2'), undefined);
      same(await stateOf(store, 'contract.other'), [
        '2024-01-04',
        '2024-01-04T12:00:00.000Z',
        'digest-2',
        0,
      ]);
    }),
    withStore('records settings once when callers race', async (store) => {
      const before = await Promise.all(
        Array.from({ length: 8 }, () => store.recordSettings('contract.bars', 'digest-1')),
      );
      // Each caller got what the one before it left: only the first found none.
      same(before.map((b) => b ?? 'none').sort(), [
        'digest-1',
        'digest-1',
        'digest-1',
        'digest-1',
        'digest-1',
        'digest-1',
        'digest-1',
        'none',
      ]);
    }),
    withStore(
      "reopens a source's dropped tasks only, keeping why they were dropped",
      async (store) => {
        await store.addTasks([
          task('a', 'pending', '2024-01-02T00:00:01.000Z'),
          task('b', 'pending', '2024-01-02T00:00:02.000Z'),
          task('c', 'pending', '2024-01-02T00:00:03.000Z'),
          task('d', 'pending', '2024-01-02T00:00:04.000Z'),
          task('e', 'pending', '2024-01-02T00:00:05.000Z'),
          otherTask('a'),
        ]);
        const bad = { code: 'E_BAD_ARGUMENT', message: 'bad date' };
        const at = '2024-01-03T00:00:00.000Z';
        await store.updateTask('contract.bars', 'a', {
          status: 'dropped',
          attempts: 2,
          lastError: bad,
          at,
        });
        await store.updateTask('contract.bars', 'b', { status: 'dropped', attempts: 1, at });
        await store.updateTask('contract.bars', 'c', { status: 'done', attempts: 1, rows: 5, at });
        await store.updateTask('contract.bars', 'd', {
          status: 'failed',
          attempts: 3,
          lastError: bad,
          at,
        });
        await store.updateTask('contract.other', 'a', {
          status: 'dropped',
          attempts: 1,
          lastError: bad,
          at,
        });

        assert.equal(await store.reopenDropped('contract.bars', '2024-01-04T00:00:00.000Z'), 2);
        same(
          (await store.unfinishedTasks('contract.bars')).map((t) => [
            t.key,
            t.status,
            t.attempts,
            t.lastError?.code,
            t.updatedAt,
          ]),
          [
            ['a', 'pending', 0, 'E_BAD_ARGUMENT', '2024-01-04T00:00:00.000Z'],
            ['b', 'pending', 0, undefined, '2024-01-04T00:00:00.000Z'],
            ['d', 'failed', 3, 'E_BAD_ARGUMENT', at],
            ['e', 'pending', 0, undefined, '2024-01-02T00:00:05.000Z'],
          ],
        );
        same(
          [...(await store.finishedTasks('contract.bars', ['a', 'b', 'c', 'd', 'e']))],
          [['c', { status: 'done', at }]],
        );
        same(
          [...(await store.finishedTasks('contract.other', ['a']))],
          [['a', { status: 'dropped', at }]],
        );
        assert.equal((await store.getSourceState('contract.bars')).pendingTasks, 4);
        // Nothing is dropped any more: a second call changes nothing.
        assert.equal(await store.reopenDropped('contract.bars', '2024-01-05T00:00:00.000Z'), 0);
        assert.equal(await store.reopenDropped('contract.none', '2024-01-05T00:00:00.000Z'), 0);
      },
    ),
    withStore('forgets the tasks named, of that source only', async (store) => {
      const other = { ...task('a', 'dropped'), sourceId: 'contract.other' };
      const many = Array.from({ length: 1_200 }, (_, i) => task(`k${String(i).padStart(4, '0')}`));
      await store.addTasks([task('a', 'dropped'), task('b', 'failed'), task('c', 'done'), other]);
      await store.addTasks(many);
      // Over a thousand keys in one call: past what one statement may bind on every dialect.
      const gone = ['a', 'b', 'nope', ...many.slice(0, 1_100).map((t) => t.key)];
      assert.equal(await store.forgetTasks('contract.bars', gone), 1_102);
      same(
        (await store.listTasks({ sourceId: 'contract.bars', limit: 10_000 }))
          .map((t) => t.key)
          .sort(),
        ['c', ...many.slice(1_100).map((t) => t.key)],
      );
      same(
        (await store.listTasks({ sourceId: 'contract.other' })).map((t) => [t.key, t.status]),
        [['a', 'dropped']],
      );
      assert.equal(await store.forgetTasks('contract.bars', []), 0);
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
