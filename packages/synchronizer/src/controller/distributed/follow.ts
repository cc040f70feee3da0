import { DsyncError, type DataSource, type RunRecord } from '@dsync/datasource';
import type { SyncEvent } from '../../engine/events.js';
import type { SourceResult } from '../../engine/sync-source.js';
import type { RunEventsChannel } from '../../distributed/run-events.js';
import { rangeOf, type ControllerContext } from '../context.js';
import type { PlanOptions, RunResult } from '../options.js';
import { advanceCursor } from '../run/cursor.js';
import { runOutcome } from '../run/graph.js';
import { DEFAULT_STORE_TIMEOUT_MS, StoreWait } from './store-wait.js';

export interface FollowOptions extends PlanOptions {
  /** Where the fetch workers tell the run's events (`FetchWorkerOptions.runEvents`). */
  readonly channel: RunEventsChannel;
  /** Where a scope's daily stop is kept across processes: a run waiting only on spent scopes ends `stopped`. */
  readonly shared?: { stoppedUntil(scope: string): Promise<string | undefined> };
  /**
   * Aborting it cancels the run: the ledger records it cancelled, and the fetch workers leave
   * its tasks pending (the next sync queues them again).
   */
  readonly signal?: AbortSignal;
  /** The longest wait between two looks at the ledger when no event comes (one was lost). @default 2000 */
  readonly checkEveryMs?: number;
  /**
   * How long sources whose tasks are settled wait for their batches to be stored (by the
   * queue's consumer, `Sink.storedByConsumer`) with none stored meanwhile; then they end
   * `stopped` with `E_NOT_STORED` and their cursors stay. @default 600000 (10 minutes)
   */
  readonly storeTimeoutMs?: number;
}

/** Events after which a source may have settled: the ledger is looked at then. */
const SETTLING: ReadonlySet<SyncEvent['type']> = new Set(['task-done', 'dropped', 'task-stopped']);

type Ending = Pick<SourceResult, 'status' | 'reason' | 'resumeAfter'>;

/**
 * Follows a queued run to its end: tells the fetch workers' events to the controller's
 * listeners as they happen, closes each source once its tasks are settled and its batches
 * stored (its cursor moves then), and ends the run in the ledger: done, failed, stopped when every source left waits
 * on a spent daily quota, or cancelled when `signal` aborts.
 */
export async function follow(
  ctx: ControllerContext,
  runId: string,
  options: FollowOptions,
): Promise<RunResult> {
  const { checkpoints } = ctx.storage;
  const run = await checkpoints.getRun(runId);
  if (run === undefined) throw new DsyncError('E_NO_RUN', `No run ${runId} in the ledger.`);
  const open = new Map(run.sourceIds.map((id) => [id, ctx.registry.get(id)]));
  const stops = new Map<string, Ending>();
  let wake: (() => void) | undefined;
  // A source starts when the workers first tell of it: its elapsed time is its own, not the
  // run's (a source queued behind others waits).
  const started = new Set<string>();
  const start = (sourceId: string) => {
    if (started.has(sourceId) || !open.has(sourceId)) return;
    started.add(sourceId);
    ctx.events.emit({ type: 'source-started', runId, sourceId, resumed: 0 });
  };
  const unsubscribe = await options.channel.subscribe(runId, (event) => {
    // A worker that leaves a source's tasks to others has not started it.
    if ('sourceId' in event && event.type !== 'worker-mismatch') start(event.sourceId);
    ctx.events.emit(event);
    if (event.type === 'task-stopped' && event.status === 'stopped')
      stops.set(event.sourceId, {
        status: 'stopped',
        reason: event.reason,
        ...(event.resumeAfter === undefined ? {} : { resumeAfter: event.resumeAfter }),
      });
    if (SETTLING.has(event.type)) wake?.();
  });
  const ended: SourceResult[] = [];
  const end = (result: SourceResult) => {
    start(result.sourceId);
    ended.push(result);
    open.delete(result.sourceId);
    ctx.events.emit({
      type: 'source-finished',
      runId,
      sourceId: result.sourceId,
      status: result.status,
      rows: result.rows,
      requests: result.requests,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    });
  };
  ctx.events.emit({ type: 'run-started', runId, sourceIds: run.sourceIds });
  const storing = new StoreWait(ctx, runId, options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS);
  try {
    while (open.size > 0) {
      const awaiting = new Map<string, number>();
      for (const source of [...open.values()]) {
        if (!(await settled(ctx, source.id))) continue;
        const batches = await checkpoints.awaitingStore(source.id);
        if (batches === 0) end(await closeSource(ctx, run, source, options));
        else awaiting.set(source.id, batches);
      }
      if (open.size === 0) break;
      // Ended elsewhere (another follower, a cancel) or here: the sources left end with it.
      const now = (await checkpoints.getRun(runId)) ?? run;
      if (options.signal?.aborted === true || now.status !== 'running') {
        const ending = endingOfRun(now, options.signal?.aborted === true);
        for (const source of [...open.values()]) end(await resultOf(ctx, runId, source, ending));
        break;
      }
      const atLimit = await stoppedAtLimit(ctx, [...open.values()], stops, options);
      if (atLimit !== undefined) {
        for (const source of [...open.values()])
          end(await resultOf(ctx, runId, source, atLimit.get(source.id) as Ending));
        break;
      }
      if (awaiting.size > 0 && (await storing.look(awaiting))) {
        for (const [id, batches] of awaiting)
          end(
            await resultOf(ctx, runId, open.get(id) as DataSource, {
              status: 'stopped',
              reason: storing.reason(id, batches),
            }),
          );
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, options.checkEveryMs ?? 2_000);
        options.signal?.addEventListener('abort', done, { once: true });
        wake = done;
      });
    }
  } finally {
    await unsubscribe();
  }
  const outcome = runOutcome(ended);
  if ((await checkpoints.getRun(runId))?.status === 'running')
    await checkpoints.finishRun(runId, outcome.status, outcome.reason, outcome.resumeAfter);
  ctx.events.emit({ type: 'run-finished', runId, ...outcome });
  const bySource = new Map(ended.map((r) => [r.sourceId, r]));
  return {
    runId,
    ...outcome,
    sources: run.sourceIds.map((id) => bySource.get(id) as SourceResult),
  };
}

/** How the sources left end when the run ends without them: cancelled here, or as the ledger says. */
function endingOfRun(run: RunRecord, aborted: boolean): Ending {
  if (aborted || run.status === 'cancelled')
    return {
      status: 'cancelled',
      reason: {
        code: 'E_CANCELLED',
        message: 'The run was cancelled: its tasks left stay pending for the next sync.',
      },
    };
  return {
    status: run.status === 'running' ? 'failed' : run.status,
    ...(run.reason === undefined ? {} : { reason: run.reason }),
  };
}

/** Whether no task of the source waits: none pending, none held by a worker. */
async function settled(ctx: ControllerContext, sourceId: string): Promise<boolean> {
  const { checkpoints } = ctx.storage;
  // Failed tasks are unfinished for the ledger, yet no worker takes them again.
  for (const status of ['pending', 'running'] as const)
    if ((await checkpoints.listTasks({ sourceId, status, limit: 1 })).length > 0) return false;
  return true;
}

/** A settled source's result: failed when a task of the run failed, else done (its cursor moved). */
async function closeSource(
  ctx: ControllerContext,
  run: RunRecord,
  source: DataSource,
  options: FollowOptions,
): Promise<SourceResult> {
  const [failed] = await ctx.storage.checkpoints.listTasks({
    runId: run.id,
    sourceId: source.id,
    status: 'failed',
    limit: 1,
  });
  if (failed !== undefined)
    return resultOf(ctx, run.id, source, {
      status: 'failed',
      ...(failed.lastError === undefined ? {} : { reason: failed.lastError }),
    });
  const state = await ctx.storage.checkpoints.getSourceState(source.id);
  await advanceCursor(ctx, source, ctx.argContext(), {
    ...rangeOf(options),
    state,
    now: ctx.now(options),
  });
  return resultOf(ctx, run.id, source, { status: 'done' });
}

/** A source's result in the run, counted from the ledger's tasks. */
async function resultOf(
  ctx: ControllerContext,
  runId: string,
  source: DataSource,
  ending: Ending,
): Promise<SourceResult> {
  const tasks = await ctx.storage.checkpoints.listTasks({
    runId,
    sourceId: source.id,
    limit: Number.MAX_SAFE_INTEGER,
  });
  const count = (status: string) => tasks.filter((t) => t.status === status).length;
  return {
    sourceId: source.id,
    requests: count('done') + count('dropped') + count('failed'),
    rows: tasks.reduce((sum, t) => sum + (t.status === 'done' ? t.rows : 0), 0),
    done: count('done'),
    dropped: count('dropped'),
    skipped: 0,
    ...ending,
  };
}

/**
 * When every open source waits on a spent daily quota (a worker said so, or the shared
 * limits hold a stop for its scope): how each ends, else undefined.
 */
async function stoppedAtLimit(
  ctx: ControllerContext,
  sources: readonly DataSource[],
  stops: ReadonlyMap<string, Ending>,
  options: FollowOptions,
): Promise<Map<string, Ending> | undefined> {
  const endings = new Map<string, Ending>();
  for (const source of sources) {
    const told = stops.get(source.id);
    const scope = ctx.limiters.scopeOf(source);
    const until = told?.resumeAfter ?? (await options.shared?.stoppedUntil(scope));
    if (until === undefined) return undefined;
    endings.set(source.id, {
      status: 'stopped',
      reason: {
        code: told?.reason?.code ?? 'E_DAILY_LIMIT',
        message: `The daily quota of ${scope} is spent.`,
      },
      resumeAfter: until,
    });
  }
  return endings;
}
