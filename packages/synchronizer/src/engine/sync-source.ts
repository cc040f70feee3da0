import {
  DsyncError,
  systemClock,
  type LedgerError,
  type RequestArgs,
  type RunStatus,
} from '@dsync/datasource';
import { CancelledError } from '../clients/cancelled-error.js';
import { DEFAULT_ERROR_POLICY } from '../error-policy.js';
import { claimTasks } from './claim-tasks.js';
import { LeadingDrops } from './misconfiguration.js';
import { runTask, type TaskContext, type TaskHooks } from './run-task.js';

/**
 * One source's part of a run, as the seed describes it: tasks come from the args stream
 * with bounded look-ahead; ready tasks run up to max concurrency through the account's
 * limiters; each outcome goes through the error policy (one table, `decide`); a task is
 * done only once the sink holds its rows. Tasks an earlier run left unfinished go first.
 */
export interface SyncSourceOptions
  extends
    Pick<
      TaskContext,
      'source' | 'client' | 'limiter' | 'sink' | 'checkpoints' | 'runId' | 'events' | 'worker'
    >,
    Partial<Pick<TaskContext, 'signal' | 'policy' | 'now'>> {
  readonly args: AsyncIterable<RequestArgs>;
  /** Requests in flight for this source. @default 4 */
  readonly maxConcurrent?: number;
  /** Tasks taken from the args stream ahead of the ones running. @default 64 */
  readonly lookAhead?: number;
}

export interface SourceResult {
  readonly sourceId: string;
  /** `done`: every task done or dropped; `stopped`: at a limit, resumable; `failed`; `cancelled`. */
  readonly status: Exclude<RunStatus, 'running'>;
  readonly requests: number;
  readonly rows: number;
  readonly done: number;
  readonly dropped: number;
  /** Tasks skipped: an earlier run's answer is final, or was asked too recently to ask again. */
  readonly skipped: number;
  readonly reason?: LedgerError;
  readonly resumeAfter?: string;
}

interface Task {
  readonly args: RequestArgs;
  attempt: number;
  readyAt: number;
}

/**
 * Why a caller halted a source through its signal, when it is not a cancel: a source of the
 * same account was refused in a way that holds for this one too. The source ends with it.
 */
export class SourceHalt extends DsyncError {
  readonly status: 'failed' | 'stopped';

  constructor(status: 'failed' | 'stopped', reason: LedgerError) {
    super(reason.code, reason.message);
    this.status = status;
  }
}

/** What the ledger and the events say of an error that failed a source. */
export const failureOf = (error: unknown): LedgerError => ({
  code: error instanceof DsyncError ? error.code : 'E_INTERNAL',
  message: error instanceof Error ? error.message : String(error),
});

export async function syncSource(options: SyncSourceOptions): Promise<SourceResult> {
  const { source, client, limiter, sink, checkpoints, runId, events } = options;
  const policy = options.policy ?? DEFAULT_ERROR_POLICY;
  const maxConcurrent = options.maxConcurrent ?? 4;
  const lookAhead = Math.max(maxConcurrent, options.lookAhead ?? 64);
  const now = options.now ?? systemClock;
  // Aborts in-flight requests when the run stops or the caller cancels.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const waiting: Task[] = [];
  /**
   * Tasks started and not yet settled, fetching or storing what they fetched: at most
   * `maxConcurrent`, so a process killed at any moment leaves at most that many requests for
   * the next run to repeat (a task's slot is free only once its rows are stored).
   */
  const inFlight = new Set<Promise<void>>();
  /** Wakes the scheduling loop when it waits; a task calls it when it leaves a phase. */
  let nudge: (() => void) | undefined;
  const wakeLoop = () => nudge?.();
  let status: SourceResult['status'] = 'done';
  let reason: LedgerError | undefined;
  let resumeAfter: string | undefined;
  let requests = 0;
  let rows = 0;
  let done = 0;
  let dropped = 0;
  let skipped = 0;

  const halt = (
    why: Exclude<RunStatus, 'running' | 'done'>,
    error: LedgerError,
    after?: string,
  ) => {
    if (status === 'done') {
      status = why;
      reason = error;
      resumeAfter = after;
    }
    stop.abort(new CancelledError(`The run stopped: ${error.message}`));
  };

  // Tasks left unfinished by earlier runs (a crash, a stop, a page continuation) go first,
  // each with a fresh retry budget: a run stopped by an outage that spent a task's attempts
  // would otherwise stop again at the task's first transient failure after "run again".
  const resumed = await checkpoints.unfinishedTasks(source.id);
  const resumedKeys = new Set(resumed.map((t) => t.key));
  for (const t of resumed) waiting.push({ args: t.args, attempt: 0, readyAt: 0 });
  events.emit({ type: 'source-started', runId, sourceId: source.id, resumed: resumed.length });

  const iterator = options.args[Symbol.asyncIterator]();
  let exhausted = false;
  /**
   * Takes args up to the look-ahead, one ledger query and one insert per batch: only once half
   * the look-ahead is free (or nothing waits), so batches stay large.
   */
  const refill = async () => {
    const room = lookAhead - waiting.length - inFlight.size;
    const lowWater = waiting.length < maxConcurrent || room >= lookAhead / 2;
    if (exhausted || !lowWater || stop.signal.aborted) return;
    const batch: RequestArgs[] = [];
    while (batch.length < room) {
      const next = await iterator.next();
      if (next.done === true) {
        exhausted = true;
        break;
      }
      if (!resumedKeys.has(next.value.key)) batch.push(next.value);
    }
    const claimed = await claimTasks(checkpoints, source, runId, batch, now());
    skipped += claimed.skipped;
    for (const args of claimed.due) waiting.push({ args, attempt: 0, readyAt: 0 });
  };

  const leadingDrops = new LeadingDrops();
  const context: TaskContext = {
    leadingDrops,
    source,
    client,
    limiter,
    sink,
    checkpoints,
    runId,
    events,
    policy,
    signal: stop.signal,
    now,
    ...(options.worker === undefined ? {} : { worker: options.worker }),
  };
  const hooks: TaskHooks = {
    onRequest: () => void requests++,
    onStop: (verdict) => halt(verdict.status, verdict.error, verdict.resumeAfter),
  };

  /** An attempt at a task, and what it means for this source's wait list and counts. */
  const run = async (task: Task): Promise<void> => {
    task.attempt++;
    const verdict = await runTask(task, context, hooks);
    switch (verdict.kind) {
      case 'done':
        rows += verdict.rows;
        done++;
        if (verdict.continuation !== undefined)
          waiting.push({ args: verdict.continuation, attempt: 0, readyAt: 0 });
        return;
      case 'again':
        task.readyAt = now() + verdict.delayMs;
        waiting.push(task);
        return;
      case 'dropped':
        dropped++;
        return;
      default:
        // stop: halted by its hook; abandoned: pending in the ledger for a later run.
        return;
    }
  };

  const start = (task: Task) => {
    const promise: Promise<void> = run(task)
      .catch((error: unknown) => halt('failed', failureOf(error)))
      .finally(() => {
        inFlight.delete(promise);
        wakeLoop();
      });
    inFlight.add(promise);
  };
  /**
   * Up to `maxConcurrent` at once; until a request is answered, only as many as could still
   * show a wrong configuration: a source whose requests are all refused stops after
   * `dropsToStop` requests, not after a look-ahead of them.
   */
  const canStart = () =>
    inFlight.size < maxConcurrent &&
    (!leadingDrops.watching || inFlight.size + leadingDrops.keys.length < policy.dropsToStop);

  /** Starts tasks as slots free and cool-downs end, until every task has settled or the run stops. */
  const schedule = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      await refill();
      if (waiting.length === 0 && inFlight.size === 0 && exhausted) break;
      const t = now();
      waiting.sort((a, b) => a.readyAt - b.readyAt);
      while (canStart() && waiting.length > 0 && (waiting[0] as Task).readyAt <= t)
        start(waiting.shift() as Task);
      // Nothing more can start now: wait for a task to move on, the next cool-down to end, or a cancel.
      const wake =
        waiting.length > 0 && canStart()
          ? Math.max(0, (waiting[0] as Task).readyAt - t)
          : undefined;
      await new Promise<void>((resolve) => {
        const settle = () => {
          clearTimeout(timer);
          stop.signal.removeEventListener('abort', settle);
          nudge = undefined;
          resolve();
        };
        const timer = wake === undefined ? undefined : setTimeout(settle, Math.min(wake, 1000));
        stop.signal.addEventListener('abort', settle, { once: true });
        if (inFlight.size > 0) nudge = settle;
        else if (wake === undefined) settle();
      });
    }
  };

  try {
    // A failure outside a task (the calendar or the keys missing when args are generated)
    // fails the source like one inside: the run still ends with its source-finished.
    try {
      await schedule();
    } catch (error) {
      halt('failed', failureOf(error));
    }
    await Promise.allSettled(inFlight);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await iterator.return?.();
  }
  if (options.signal?.aborted === true && status === 'done') {
    const why: unknown = options.signal.reason;
    status = why instanceof SourceHalt ? why.status : 'cancelled';
    reason =
      why instanceof SourceHalt
        ? failureOf(why)
        : { code: 'E_CANCELLED', message: 'The run was cancelled.' };
  }
  events.emit({
    type: 'source-finished',
    runId,
    sourceId: source.id,
    status,
    rows,
    requests,
    ...(reason === undefined ? {} : { reason }),
  });
  return {
    sourceId: source.id,
    status,
    requests,
    rows,
    done,
    // Those failed as the first requests of a misconfigured source are not dropped.
    dropped: dropped - leadingDrops.refailed,
    skipped,
    ...(reason === undefined ? {} : { reason }),
    ...(resumeAfter === undefined ? {} : { resumeAfter }),
  };
}
