import { nextPage, pageOf } from '@dsync/arg-generation';
import {
  DsyncError,
  requestScope,
  type CheckpointStore,
  type DataSource,
  type LedgerError,
  type RequestArgs,
  type Scalar,
  type Sink,
  type TaskUpdate,
  type TransactionalSink,
} from '@dsync/datasource';
import { CancelledError } from '../clients/cancelled-error.js';
import type { FetchResult, ProviderClient } from '../clients/provider-client.js';
import {
  decide,
  type Decision,
  type ErrorPolicyOptions,
  type PolicyContext,
} from '../error-policy.js';
import { QuotaExhaustedError, type AccountLimiter } from '../limits/account-limiter.js';
import type { Outcome } from '../outcome.js';
import type { SyncEvents } from './events.js';
import { misconfigurationError, type LeadingDrops } from './misconfiguration.js';

/**
 * One attempt at one task, the same in a run in this process and in a fetch worker taking
 * tasks from a queue: the request through the account's limits, its outcome through the
 * error policy, the rows into the sink, and the ledger and the events told what happened.
 * Where the task goes next (its wait list, or the queue) is the caller's.
 */
export interface TaskContext {
  readonly source: DataSource;
  readonly client: ProviderClient;
  readonly limiter: AccountLimiter;
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  readonly runId: string;
  readonly events: SyncEvents;
  readonly policy: ErrorPolicyOptions;
  /** Aborts the request in flight; a task cut off by it is pending again. */
  readonly signal: AbortSignal;
  /** Written to the ledger with the task. */
  readonly worker?: string;
  readonly now: () => number;
  /** The source's first answers, watched for a wrong configuration (one per source and process). */
  readonly leadingDrops?: LeadingDrops;
}

/** A task's attempt: its args, and which attempt this is (1 for the first). */
export interface TaskAttempt {
  readonly args: RequestArgs;
  readonly attempt: number;
}

/** What became of an attempt. */
export type TaskVerdict =
  /** Its rows are durable and the ledger says done; `continuation` is its next page, already in the ledger. */
  | { readonly kind: 'done'; readonly rows: number; readonly continuation?: RequestArgs }
  /** Try it again after `delayMs` (a retry, or a cool-down of the whole account). */
  | { readonly kind: 'again'; readonly delayMs: number }
  /** Dropped for good; the ledger has the reason. */
  | { readonly kind: 'dropped' }
  /** The run must stop: at a limit (`stopped`, resumable) or for good (`failed`). */
  | {
      readonly kind: 'stop';
      readonly status: 'stopped' | 'failed';
      readonly error: LedgerError;
      readonly resumeAfter?: string;
    }
  /** Cut off by the signal before an answer: pending again, this attempt not counted. */
  | { readonly kind: 'abandoned' };

export interface TaskHooks {
  /** The request leaves (the limits let it): counted as a call. */
  onRequest?(): void;
  /** Called before anything is awaited on a stop, so that no other request leaves after it. */
  onStop?(verdict: Extract<TaskVerdict, { kind: 'stop' }>): void;
}

const isTransactional = (sink: Sink): sink is TransactionalSink =>
  typeof (sink as Partial<TransactionalSink>).writeAndComplete === 'function';

const errorOf = (outcome: Outcome, detail: string | undefined): LedgerError => ({
  code: `E_${outcome.kind.toUpperCase().replaceAll('-', '_')}`,
  message: detail ?? ('message' in outcome ? outcome.message : outcome.kind),
});

/** What a `replace-window` write of this request's answer replaces, besides its window. */
function scopeOf(source: DataSource, args: RequestArgs): { scope?: Record<string, Scalar> } {
  if (source.storage.writeMode !== 'replace-window') return {};
  const scope = requestScope(source, args.params);
  return Object.keys(scope).length === 0 ? {} : { scope };
}

/** Writes a task's row, at the synchronizer's clock unless the update says when. */
function ledger(context: TaskContext, key: string, update: TaskUpdate): Promise<void> {
  const { worker } = context;
  return context.checkpoints.updateTask(context.source.id, key, {
    at: new Date(context.now()).toISOString(),
    ...update,
    ...(worker === undefined ? {} : { worker }),
  });
}

/** An answer, and when its request was sent: what tells a final answer from one to ask again. */
interface Answer extends FetchResult {
  readonly sentAt: string;
}

async function fetchOnce(
  task: TaskAttempt,
  context: TaskContext,
  hooks: TaskHooks,
): Promise<Answer> {
  const { source, limiter, client, events, signal, now } = context;
  let sentAt = new Date(now()).toISOString();
  try {
    const result = await limiter.schedule(
      task.args.api,
      async () => {
        sentAt = new Date(now()).toISOString();
        hooks.onRequest?.();
        // Emitted as the request leaves, not when it queues: the count of calls made, which rate gauges read.
        events.emit({
          type: 'task-started',
          sourceId: source.id,
          key: task.args.key,
          attempt: task.attempt,
        });
        return client.fetch(task.args, source, { signal });
      },
      signal,
    );
    return { ...result, sentAt };
  } catch (error) {
    if (error instanceof QuotaExhaustedError)
      return {
        outcome: { kind: 'daily-limit', resetsAt: error.resetsAt },
        detail: error.message,
        sentAt,
      };
    throw error;
  }
}

/** Stores the rows; the task is done only once they are durable (with them, when the sink can). */
async function deliver(
  task: TaskAttempt,
  result: Answer,
  context: TaskContext,
): Promise<TaskVerdict> {
  const { source, sink, checkpoints, runId, events, now } = context;
  const page = pageOf(source, task.args);
  const delivered = result.rows ?? [];
  const continuation = nextPage(source, task.args, {
    rows: delivered.length,
    nextCursor: result.nextCursor,
  });
  if (continuation !== undefined) {
    // Recorded before this page is marked done: a crash in between re-fetches this page, never
    // loses the next. Reopened when an earlier ask of the same day left it done: this answer's
    // next page is another one.
    await checkpoints.addTasks(
      [
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
      ],
      { reopen: true },
    );
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
    ...scopeOf(source, task.args),
    runId,
  };
  const done = {
    status: 'done',
    rows: delivered.length,
    attempts: task.attempt,
    at: result.sentAt,
  } as const;
  if (isTransactional(sink))
    await sink.writeAndComplete(batch, source, {
      runId,
      key: task.args.key,
      ...done,
      ...(context.worker === undefined ? {} : { worker: context.worker }),
    });
  else {
    await sink.write(batch, source);
    // Queued, not stored: its consumer's receipt (markStored) says when it is.
    const awaitsStore = sink.storedByConsumer?.(source) === true;
    await ledger(context, task.args.key, { ...done, ...(awaitsStore ? { awaitsStore } : {}) });
  }
  const { key } = task.args;
  events.emit({ type: 'rows-delivered', sourceId: source.id, key, rows: delivered.length, page });
  events.emit({ type: 'task-done', sourceId: source.id, key, rows: delivered.length });
  return {
    kind: 'done',
    rows: delivered.length,
    ...(continuation === undefined ? {} : { continuation }),
  };
}

/** An answer with nothing to store: the task is done (asked again if it came before its day settled). */
async function discard(
  task: TaskAttempt,
  result: Answer,
  context: TaskContext,
): Promise<TaskVerdict> {
  const { key } = task.args;
  const at = result.sentAt;
  await ledger(context, key, { status: 'done', rows: 0, attempts: task.attempt, at });
  context.events.emit({ type: 'task-done', sourceId: context.source.id, key, rows: 0 });
  return { kind: 'done', rows: 0 };
}

/**
 * Stops a source whose configuration is wrong. The requests dropped before this one were
 * refused for the same reason: they fail with it too, so that the fix asks them again.
 */
async function stopMisconfigured(
  task: TaskAttempt,
  outcome: Outcome,
  context: TaskContext,
  hooks: TaskHooks,
): Promise<TaskVerdict> {
  if (outcome.kind !== 'bad-argument')
    throw new DsyncError('E_INTERNAL', `misconfigured on a ${outcome.kind} answer`);
  const earlier = context.leadingDrops?.misconfigured() ?? [];
  const error = misconfigurationError(context.source, outcome, earlier.length + 1);
  const verdict = { kind: 'stop', status: 'failed', error } as const;
  hooks.onStop?.(verdict);
  tellStop(context, task.args.key, verdict);
  for (const key of earlier) await ledger(context, key, { status: 'failed', lastError: error });
  await ledger(context, task.args.key, {
    status: 'failed',
    attempts: task.attempt,
    lastError: error,
  });
  return verdict;
}

/** Tells listeners (a distributed run's follower among them) that a task stops its source. */
function tellStop(
  context: TaskContext,
  key: string,
  verdict: Extract<TaskVerdict, { kind: 'stop' }>,
): void {
  context.events.emit({
    type: 'task-stopped',
    sourceId: context.source.id,
    key,
    status: verdict.status,
    reason: verdict.error,
    ...(verdict.resumeAfter === undefined ? {} : { resumeAfter: verdict.resumeAfter }),
  });
}

/** Carries out what the policy decided for a failed attempt. */
async function act(
  task: TaskAttempt,
  decision: Decision,
  outcome: Outcome,
  error: LedgerError,
  context: TaskContext,
  hooks: TaskHooks,
  sentAt: string,
): Promise<TaskVerdict> {
  const { source, limiter, events } = context;
  const { key, api } = task.args;
  switch (decision.action) {
    case 'cool-down':
    case 'retry':
      // A throttle cools the whole account down (in every process, when limits are shared).
      if (decision.action === 'cool-down') await limiter.coolDown(api, decision.delayMs);
      await ledger(context, key, { status: 'pending', attempts: task.attempt, lastError: error });
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
      return { kind: 'again', delayMs: decision.delayMs };
    case 'drop':
      await ledger(context, key, {
        status: 'dropped',
        attempts: task.attempt,
        lastError: error,
        at: sentAt,
      });
      context.leadingDrops?.dropped(key, error.message);
      events.emit({ type: 'dropped', sourceId: source.id, key, reason: error });
      return { kind: 'dropped' };
    case 'misconfigured':
      return stopMisconfigured(task, outcome, context, hooks);
    case 'stop': {
      const verdict = {
        kind: 'stop',
        status: decision.resumable ? 'stopped' : 'failed',
        error,
        ...(decision.resumeAfter === undefined ? {} : { resumeAfter: decision.resumeAfter }),
      } as const;
      // Before any await: no request may leave after a stop, not even while the ledger is written.
      hooks.onStop?.(verdict);
      tellStop(context, key, verdict);
      // A daily limit stops the account's calls everywhere until it resets.
      if (decision.resumeAfter !== undefined) await limiter.exhaust(api, decision.resumeAfter);
      await ledger(context, key, {
        status: decision.resumable ? 'pending' : 'failed',
        attempts: task.attempt,
        lastError: error,
      });
      return verdict;
    }
    default:
      throw new DsyncError('E_INTERNAL', `no action for ${decision.action}`);
  }
}

/** One attempt at a task: request, policy, rows, ledger, events. */
export async function runTask(
  task: TaskAttempt,
  context: TaskContext,
  hooks: TaskHooks = {},
): Promise<TaskVerdict> {
  const { key } = task.args;
  const { limiter, events, policy } = context;
  // No 'running' row in the ledger: the attempt is recorded with its outcome, and a task
  // cut off by a crash is pending (or running) either way, so the write would buy nothing.
  let result: Answer;
  try {
    result = await fetchOnce(task, context, hooks);
  } catch (error) {
    if (error instanceof CancelledError || context.signal.aborted) {
      // Abandoned cleanly: the task is pending again and a later attempt does it.
      await ledger(context, key, { status: 'pending', attempts: task.attempt - 1 });
      return { kind: 'abandoned' };
    }
    throw error;
  }
  for (const quota of limiter.snapshot()) events.emit({ type: 'quota', ...quota });
  const error = errorOf(result.outcome, result.detail);
  const decision = decide(result.outcome, policyContext(task, context, error), policy);
  if (decision.action === 'store' || decision.action === 'discard') {
    // Answered: the configuration works, whatever the sink makes of the rows.
    context.leadingDrops?.answered();
    try {
      return decision.action === 'store'
        ? await deliver(task, result, context)
        : await discard(task, result, context);
    } catch (error) {
      // Cut off while its rows were sent (a fetch worker's delivery lost or stopping): pending
      // again, as a request cut off is; the next attempt sends them again.
      if (error instanceof CancelledError) {
        await ledger(context, key, { status: 'pending', attempts: task.attempt - 1 });
        return { kind: 'abandoned' };
      }
      // A sink that refuses the rows for good drops the task; one that is down retries it like a transient answer.
      const refused = error instanceof DsyncError && error.code === 'E_BAD_ROW';
      const outcome: Outcome = refused
        ? { kind: 'bad-argument', message: error.message }
        : { kind: 'transient', message: (error as Error).message };
      const reason = {
        code: refused ? 'E_BAD_ROW' : 'E_STORAGE',
        message: (error as Error).message,
      };
      const decision = decide(outcome, { attempt: task.attempt }, policy);
      return act(task, decision, outcome, reason, context, hooks, result.sentAt);
    }
  }
  return act(task, decision, result.outcome, error, context, hooks, result.sentAt);
}

/** What the policy reads of the task and its source's first answers. */
function policyContext(task: TaskAttempt, context: TaskContext, error: LedgerError): PolicyContext {
  const leadingDrops = context.leadingDrops?.before(error.message);
  return leadingDrops === undefined
    ? { attempt: task.attempt }
    : { attempt: task.attempt, leadingDrops };
}
