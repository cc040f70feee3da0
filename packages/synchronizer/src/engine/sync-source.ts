import { nextPage } from '@dsync/arg-generation';
import {
  DsyncError,
  type CheckpointStore,
  type DataSource,
  type LedgerError,
  type RequestArgs,
  type RunStatus,
  type Sink,
  type TransactionalSink,
} from '@dsync/datasource';
import { CancelledError } from '../clients/cancelled-error.js';
import type { FetchResult, ProviderClient } from '../clients/provider-client.js';
import {
  decide,
  DEFAULT_ERROR_POLICY,
  type Decision,
  type ErrorPolicyOptions,
} from '../error-policy.js';
import { QuotaExhaustedError, type AccountLimiter } from '../limits/account-limiter.js';
import type { Outcome } from '../outcome.js';
import type { SyncEvents } from './events.js';

/**
 * One source's part of a run, as the seed describes it: tasks come from the args stream
 * with bounded look-ahead; ready tasks run up to max concurrency through the account's
 * limiters; each outcome goes through the error policy (one table, `decide`); a task is
 * done only once the sink holds its rows. Tasks an earlier run left unfinished go first.
 */
export interface SyncSourceOptions {
  readonly source: DataSource;
  readonly args: AsyncIterable<RequestArgs>;
  readonly client: ProviderClient;
  readonly limiter: AccountLimiter;
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  readonly runId: string;
  readonly events: SyncEvents;
  readonly signal?: AbortSignal;
  readonly policy?: ErrorPolicyOptions;
  /** Requests in flight for this source. @default 4 */
  readonly maxConcurrent?: number;
  /** Tasks taken from the args stream ahead of the ones running. @default 64 */
  readonly lookAhead?: number;
  /** Written to the ledger with each task. */
  readonly worker?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface SourceResult {
  readonly sourceId: string;
  /** `done`: every task done or dropped; `stopped`: at a limit, resumable; `failed`; `cancelled`. */
  readonly status: Exclude<RunStatus, 'running'>;
  readonly requests: number;
  readonly rows: number;
  readonly done: number;
  readonly dropped: number;
  /** Tasks skipped because an earlier run had settled them. */
  readonly skipped: number;
  readonly reason?: LedgerError;
  readonly resumeAfter?: string;
}

interface Task {
  readonly args: RequestArgs;
  attempt: number;
  readyAt: number;
}

const isTransactional = (sink: Sink): sink is TransactionalSink =>
  typeof (sink as Partial<TransactionalSink>).writeAndComplete === 'function';

const errorOf = (outcome: Outcome, detail: string | undefined): LedgerError => ({
  code: `E_${outcome.kind.toUpperCase().replaceAll('-', '_')}`,
  message: detail ?? ('message' in outcome ? outcome.message : outcome.kind),
});

/** The page a continuation is, for batch idempotency keys and replace-window writes. */
function pageOf(source: DataSource, args: RequestArgs): number {
  const p = source.pagination;
  if (p.kind === 'offset') return Math.floor(Number(args.params[p.offsetParam] ?? 0) / p.pageSize);
  if (p.kind === 'cursor') return args.params[p.cursorParam] === undefined ? 0 : 1;
  return 0;
}

/** What the ledger and the events say of an error that failed a source. */
const failureOf = (error: unknown): LedgerError => ({
  code: error instanceof DsyncError ? error.code : 'E_INTERNAL',
  message: error instanceof Error ? error.message : String(error),
});

export async function syncSource(options: SyncSourceOptions): Promise<SourceResult> {
  const { source, client, limiter, sink, checkpoints, runId, events } = options;
  const policy = options.policy ?? DEFAULT_ERROR_POLICY;
  const maxConcurrent = options.maxConcurrent ?? 4;
  const lookAhead = Math.max(maxConcurrent, options.lookAhead ?? 64);
  const now = options.now ?? Date.now;
  // Aborts in-flight requests when the run stops or the caller cancels.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const waiting: Task[] = [];
  /** Tasks started and not yet settled: fetching, or storing what they fetched. */
  const inFlight = new Set<Promise<void>>();
  /** Of those, the ones whose request is queued or on the wire: at most `maxConcurrent`. */
  let fetching = 0;
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

  const ledger = (key: string, update: Parameters<CheckpointStore['updateTask']>[2]) =>
    checkpoints.updateTask(source.id, key, {
      ...update,
      ...(options.worker === undefined ? {} : { worker: options.worker }),
    });

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

  // Tasks left unfinished by earlier runs (a crash, a stop, a page continuation) go first.
  const resumed = await checkpoints.unfinishedTasks(source.id);
  const resumedKeys = new Set(resumed.map((t) => t.key));
  for (const t of resumed) waiting.push({ args: t.args, attempt: t.attempts, readyAt: 0 });
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
    if (batch.length === 0) return;
    const settled = await checkpoints.settledKeys(
      source.id,
      batch.map((a) => a.key),
    );
    const fresh = batch.filter((a) => !settled.has(a.key));
    skipped += batch.length - fresh.length;
    const createdAt = new Date(now()).toISOString();
    await checkpoints.addTasks(
      fresh.map((args) => ({
        runId,
        sourceId: source.id,
        key: args.key,
        args,
        status: 'pending' as const,
        attempts: 0,
        rows: 0,
        updatedAt: createdAt,
      })),
    );
    for (const args of fresh) waiting.push({ args, attempt: 0, readyAt: 0 });
  };

  const fetchOnce = async (task: Task): Promise<FetchResult> => {
    try {
      return await limiter.schedule(task.args.api, async () => {
        if (stop.signal.aborted) throw new CancelledError();
        requests++;
        // Emitted as the request leaves, not when it queues: the count of calls made, which rate gauges read.
        events.emit({
          type: 'task-started',
          sourceId: source.id,
          key: task.args.key,
          attempt: task.attempt,
        });
        return client.fetch(task.args, source, { signal: stop.signal });
      });
    } catch (error) {
      if (error instanceof QuotaExhaustedError)
        return {
          outcome: { kind: 'daily-limit', resetsAt: error.resetsAt },
          detail: error.message,
        };
      throw error;
    }
  };

  /** Stores the rows; the task is done only once they are durable (with them, when the sink can). */
  const deliver = async (task: Task, result: FetchResult): Promise<void> => {
    const page = pageOf(source, task.args);
    const delivered = result.rows ?? [];
    const continuation = nextPage(source, task.args, {
      rows: delivered.length,
      nextCursor: result.nextCursor,
    });
    if (continuation !== undefined) {
      // Recorded before this page is marked done: a crash in between re-fetches this page, never loses the next.
      await checkpoints.addTasks([
        {
          runId,
          sourceId: source.id,
          key: continuation.key,
          args: continuation,
          status: 'pending',
          attempts: 0,
          rows: 0,
          updatedAt: new Date(now()).toISOString(),
        },
      ]);
    }
    const batch = {
      sourceId: source.id,
      argsKey: task.args.key,
      page,
      columns: result.columns ?? [],
      rows: delivered,
      schemaVersion: source.schemaVersion,
      fetchedAt: new Date(now()).toISOString(),
      ...(task.args.window === undefined ? {} : { window: task.args.window }),
    };
    if (isTransactional(sink))
      await sink.writeAndComplete(batch, source, {
        runId,
        key: task.args.key,
        rows: delivered.length,
        attempts: task.attempt,
        ...(options.worker === undefined ? {} : { worker: options.worker }),
      });
    else {
      await sink.write(batch, source);
      await ledger(task.args.key, {
        status: 'done',
        rows: delivered.length,
        attempts: task.attempt,
      });
    }
    rows += delivered.length;
    done++;
    events.emit({
      type: 'rows-delivered',
      sourceId: source.id,
      key: task.args.key,
      rows: delivered.length,
      page,
    });
    events.emit({
      type: 'task-done',
      sourceId: source.id,
      key: task.args.key,
      rows: delivered.length,
    });
    if (continuation !== undefined) waiting.push({ args: continuation, attempt: 0, readyAt: 0 });
  };

  const act = async (task: Task, decision: Decision, error: LedgerError): Promise<void> => {
    const { key } = task.args;
    switch (decision.action) {
      case 'cool-down':
      case 'retry':
        // A throttle cools the whole account down (in every process, when limits are shared).
        if (decision.action === 'cool-down')
          await limiter.coolDown(task.args.api, decision.delayMs);
        task.readyAt = now() + decision.delayMs;
        await ledger(key, { status: 'pending', attempts: task.attempt, lastError: error });
        events.emit(
          decision.action === 'retry'
            ? {
                type: 'retried',
                sourceId: source.id,
                key,
                attempt: task.attempt,
                delayMs: decision.delayMs,
                reason: error,
              }
            : {
                type: 'cooled-down',
                sourceId: source.id,
                key,
                delayMs: decision.delayMs,
                reason: error,
              },
        );
        waiting.push(task);
        return;
      case 'drop':
        dropped++;
        await ledger(key, { status: 'dropped', attempts: task.attempt, lastError: error });
        events.emit({ type: 'dropped', sourceId: source.id, key, reason: error });
        return;
      case 'stop':
        // Halted first: no request may leave after a stop, not even while the ledger is written.
        halt(decision.resumable ? 'stopped' : 'failed', error, decision.resumeAfter);
        // A daily limit stops the account's calls everywhere until it resets.
        if (decision.resumeAfter !== undefined)
          await limiter.exhaust(task.args.api, decision.resumeAfter);
        await ledger(key, {
          status: decision.resumable ? 'pending' : 'failed',
          attempts: task.attempt,
          lastError: error,
        });
        return;
      default:
        return;
    }
  };

  const run = async (task: Task): Promise<void> => {
    task.attempt++;
    const { key } = task.args;
    // No 'running' row in the ledger: the attempt is recorded with its outcome, and a task
    // cut off by a crash is pending (or running) either way, so the write would buy nothing.
    let result: FetchResult;
    try {
      result = await fetchOnce(task);
    } catch (error) {
      if (error instanceof CancelledError || stop.signal.aborted) {
        // Abandoned cleanly: the task is pending again and a later run does it.
        await ledger(key, { status: 'pending', attempts: task.attempt - 1 });
        return;
      }
      throw error;
    } finally {
      // The request slot frees as soon as the answer is in: the next request need not wait
      // for this one's rows to be stored.
      fetching--;
      wakeLoop();
    }
    for (const quota of limiter.snapshot()) events.emit({ type: 'quota', ...quota });
    const decision = decide(result.outcome, { attempt: task.attempt }, policy);
    if (decision.action === 'store' || decision.action === 'discard') {
      try {
        if (decision.action === 'store') await deliver(task, result);
        else {
          await ledger(key, { status: 'done', rows: 0, attempts: task.attempt });
          done++;
          events.emit({ type: 'task-done', sourceId: source.id, key, rows: 0 });
        }
      } catch (error) {
        // A sink that refuses the rows for good drops the task; one that is down retries it like a transient answer.
        const refused = error instanceof DsyncError && error.code === 'E_BAD_ROW';
        const outcome: Outcome = refused
          ? { kind: 'bad-argument', message: error.message }
          : { kind: 'transient', message: (error as Error).message };
        await act(task, decide(outcome, { attempt: task.attempt }, policy), {
          code: refused ? 'E_BAD_ROW' : 'E_STORAGE',
          message: (error as Error).message,
        });
      }
      return;
    }
    await act(task, decision, errorOf(result.outcome, result.detail));
  };

  const start = (task: Task) => {
    fetching++;
    const promise: Promise<void> = run(task)
      .catch((error: unknown) => halt('failed', failureOf(error)))
      .finally(() => {
        inFlight.delete(promise);
        wakeLoop();
      });
    inFlight.add(promise);
  };
  // Stored-but-not-yet-durable tasks are bounded too, so a slow sink slows the requests.
  const canStart = () => fetching < maxConcurrent && inFlight.size < maxConcurrent * 2;

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
    status = 'cancelled';
    reason = { code: 'E_CANCELLED', message: 'The run was cancelled.' };
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
    dropped,
    skipped,
    ...(reason === undefined ? {} : { reason }),
    ...(resumeAfter === undefined ? {} : { resumeAfter }),
  };
}
