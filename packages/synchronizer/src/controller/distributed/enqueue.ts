import { generateArgs } from '@dsync/arg-generation';
import { DsyncError, type RunStatus, type TaskQueue } from '@dsync/datasource';
import { enqueueSources } from '../../distributed/enqueue.js';
import { sourceSettings } from '../../distributed/run-settings.js';
import { rangeOf, runIdOf, type ControllerContext } from '../context.js';
import type { SourceResult } from '../../engine/sync-source.js';
import type { EnqueueResult, PlanOptions, RunResult, SyncOptions } from '../options.js';
import { askAgainAll } from '../run/ask-again.js';
import { advanceCursor } from '../run/cursor.js';
import { targetsOf } from '../run/targets.js';

/**
 * Distributed mode: the sources other sources read (the calendar, the symbol list) are
 * synced here, since the rest's args are generated from them; the rest's tasks go on the
 * queue for fetch workers, recorded pending in the ledger under a new run.
 */
export async function enqueue(
  ctx: ControllerContext,
  queue: TaskQueue,
  options: PlanOptions,
  syncHere: (options: SyncOptions) => Promise<RunResult>,
): Promise<EnqueueResult> {
  const { storage, registry } = ctx;
  const now = ctx.now(options);
  const askedAgain = await askAgainAll(ctx, options);
  const targets = await targetsOf(ctx, options.ids, now, askedAgain);
  await storage.check?.(targets);
  const read = new Set(targets.flatMap((s) => registry.dependenciesOf(s.id)));
  const local = targets.filter((s) => read.has(s.id)).map((s) => s.id);
  const synced = local.length === 0 ? undefined : await syncHere({ ...options, ids: local });
  const runId = runIdOf(now);
  // What did not finish here holds back only the sources that read it; the rest is queued.
  const ended = new Map(synced?.sources.map((r) => [r.sourceId, r]));
  const held: SourceResult[] = [];
  const remote = targets.filter((source) => {
    if (read.has(source.id)) return false;
    const blocker = registry
      .dependenciesOf(source.id)
      .map((id) => ended.get(id))
      .find((r) => r !== undefined && r.status !== 'done');
    if (blocker !== undefined) held.push(heldBack(source.id, blocker));
    return blocker === undefined;
  });
  if (synced !== undefined && (synced.status === 'cancelled' || remote.length === 0))
    return { runId: synced.runId, status: synced.status, synced, queued: [], held };
  // The workers compare theirs with these: none fetches with another definition or limits.
  const settings = Object.fromEntries(
    remote.map((s) => [s.id, sourceSettings(s, ctx.limiters, ctx.options.clients)]),
  );
  await storage.checkpoints.startRun({
    id: runId,
    sourceIds: remote.map((s) => s.id),
    startedAt: now.toISOString(),
    settings,
  });
  const context = ctx.argContext();
  const sources = await Promise.all(
    remote.map(async (source) => {
      const state = await storage.checkpoints.getSourceState(source.id);
      return { source, args: generateArgs(source, context, { ...rangeOf(options), state, now }) };
    }),
  );
  const counts = await enqueueSources(sources, runId, storage.checkpoints, queue, ctx.clock());
  const queued = remote.map((s) => ({ sourceId: s.id, tasks: counts.get(s.id) ?? 0 }));
  return { runId, status: 'running', queued, held, ...(synced === undefined ? {} : { synced }) };
}

/** A source not queued: `blocker`, which it reads, did not finish here. */
function heldBack(id: string, blocker: SourceResult): SourceResult {
  const why = blocker.reason?.message ?? blocker.status;
  const stopped = blocker.status === 'stopped';
  return {
    sourceId: id,
    status: stopped ? 'stopped' : 'failed',
    requests: 0,
    rows: 0,
    done: 0,
    dropped: 0,
    skipped: 0,
    reason: {
      code: stopped ? 'E_DEPENDENCY_STOPPED' : 'E_DEPENDENCY_FAILED',
      message: `${id} was not queued: it reads ${blocker.sourceId}, which ${stopped ? 'stopped' : 'failed'} (${why})`,
    },
    ...(blocker.resumeAfter === undefined ? {} : { resumeAfter: blocker.resumeAfter }),
  };
}

/**
 * Closes a queued run once fetch workers have settled every task of its sources and their
 * batches are stored (`CheckpointStore.awaitingStore`): moves their cursors over the range (the same `options` as the enqueue) and records how it ended.
 * @returns the ending, or undefined while tasks are left
 */
export async function settleQueued(
  ctx: ControllerContext,
  runId: string,
  options: PlanOptions,
): Promise<Exclude<RunStatus, 'running'> | undefined> {
  const { checkpoints } = ctx.storage;
  const run = await checkpoints.getRun(runId);
  if (run === undefined) throw new DsyncError('E_NO_RUN', `No run ${runId} in the ledger.`);
  if (run.status !== 'running') return run.status;
  // Failed tasks are unfinished for the ledger, yet no worker takes them again: only pending or running ones wait.
  for (const id of run.sourceIds)
    for (const status of ['pending', 'running'] as const)
      if ((await checkpoints.listTasks({ sourceId: id, status, limit: 1 })).length > 0)
        return undefined;
  // Fetched is not stored: a batch still in the queue keeps the cursors where they are.
  for (const id of run.sourceIds) if ((await checkpoints.awaitingStore(id)) > 0) return undefined;
  const [failed] = await checkpoints.listTasks({ runId, status: 'failed', limit: 1 });
  if (failed !== undefined) {
    await checkpoints.finishRun(runId, 'failed', failed.lastError);
    return 'failed';
  }
  const now = ctx.now(options);
  const context = ctx.argContext();
  for (const id of run.sourceIds) {
    const state = await checkpoints.getSourceState(id);
    await advanceCursor(ctx, ctx.registry.get(id), context, { ...rangeOf(options), state, now });
  }
  await checkpoints.finishRun(runId, 'done');
  return 'done';
}
