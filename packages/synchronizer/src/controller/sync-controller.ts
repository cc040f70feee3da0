import {
  DsyncError,
  type DataSourceRegistry,
  type RunRecord,
  type RunStatus,
  type TaskQueue,
  type TaskRecord,
} from '@dsync/datasource';
import type { SyncEvents } from '../engine/events.js';
import { audit, queueSettledHoles } from './audit/audit.js';
import type { SourceAudit } from './audit/audit-sources.js';
import { ControllerContext } from './context.js';
import { enqueue, settleQueued } from './distributed/enqueue.js';
import { follow, type FollowOptions } from './distributed/follow.js';
import type {
  AuditOptions,
  EnqueueResult,
  PlanOptions,
  QuotaGauge,
  RunResult,
  SettledCheck,
  SourcePlan,
  SourceStatus,
  SyncControllerOptions,
  SyncOptions,
} from './options.js';
import { plan } from './plan/plan.js';
import { quotaOf } from './quota/quota.js';
import { runLocal } from './run/local.js';
import { statusOf } from './status/status.js';
import { rowsOf, runOf, runsOf, tasksOf, type RowsPage, type TaskFilter } from './status/ledger.js';

/**
 * The one way in, for the CLI, the web interface and programs: sync what is unsynced (or
 * named sources) as a dependency graph, queue a run for fetch workers, plan, report status,
 * quotas and holes, cancel. Each use case lives in its own module under `controller/`; this
 * front holds what they share (`ControllerContext`) and the run in progress.
 */
export class SyncController {
  readonly #ctx: ControllerContext;
  #current: AbortController | undefined;

  constructor(options: SyncControllerOptions) {
    this.#ctx = new ControllerContext(options);
  }

  /** Every step of the runs this controller makes: the CLI's progress, the web UI, logs. */
  get events(): SyncEvents {
    return this.#ctx.events;
  }

  /** Whether a run is in progress. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Cancels the run in progress, if any: it checkpoints and resolves as `cancelled`. */
  cancel(): void {
    this.#current?.abort(new DsyncError('E_CANCELLED', 'Cancelled by the user.'));
  }

  /**
   * Syncs the sources due (or named, with what they read) as a dependency graph: each starts
   * once what it reads is done, independent ones at once, each request waiting only for its
   * own scope's limits. A source that does not finish stops itself and what reads it; the
   * run's result lists each source's ending, the most serious being the run's.
   */
  sync(options: SyncOptions = {}): Promise<RunResult> {
    return this.#inProgress(options.signal, (signal) => runLocal(this.#ctx, options, signal));
  }

  /**
   * Follows a queued run until the fetch workers have settled it: their events reach
   * `events` as they happen, each source closes (its cursor moves) once its tasks are
   * settled, and the run ends in the ledger. `cancel()` (or `signal`) cancels the run: the
   * ledger says so, and the workers leave its tasks pending for the next sync.
   */
  follow(runId: string, options: FollowOptions): Promise<RunResult> {
    return this.#inProgress(options.signal, (signal) =>
      follow(this.#ctx, runId, { ...options, signal }),
    );
  }

  /** Runs `work` as the run in progress: one at a time, cancelled by `cancel()` or `signal`. */
  async #inProgress<T>(
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.#current !== undefined)
      throw new DsyncError('E_BUSY', 'A run is already in progress.');
    const abort = new AbortController();
    this.#current = abort;
    const onAbort = () => abort.abort(signal?.reason);
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work(abort.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#current = undefined;
    }
  }

  /**
   * Distributed mode: syncs here the sources others read, and queues the rest's tasks for
   * fetch workers under a new run, which stays `running` until `settleQueued` closes it.
   */
  enqueue(queue: TaskQueue, options: PlanOptions = {}): Promise<EnqueueResult> {
    return enqueue(this.#ctx, queue, options, (local) => this.sync(local));
  }

  /**
   * Closes a queued run once fetch workers have settled every task of its sources.
   * @returns the ending, or undefined while tasks are left
   */
  settleQueued(
    runId: string,
    options: PlanOptions = {},
  ): Promise<Exclude<RunStatus, 'running'> | undefined> {
    return settleQueued(this.#ctx, runId, options);
  }

  /** What a sync would ask for, per source: requests, time at the limits, days of quota. */
  plan(options: PlanOptions = {}): Promise<SourcePlan[]> {
    return plan(this.#ctx, options);
  }

  /** Where each source stands: cursor, unsettled days, freshness, rows, pending and failed, quota. */
  status(now: Date = this.#ctx.now()): Promise<SourceStatus[]> {
    return statusOf(this.#ctx, now);
  }

  /** What is missing from stored tables against their grid; with `backfill`, queued for the next sync. */
  audit(options: AuditOptions = {}): Promise<SourceAudit[]> {
    return audit(this.#ctx, options);
  }

  /** A daemon's check after each run: the settled days not checked yet, their holes queued. */
  queueSettledHoles(checked: ReadonlyMap<string, string> = new Map()): Promise<SettledCheck[]> {
    return queueSettledHoles(this.#ctx, checked);
  }

  /** The registry the controller syncs: the sources it knows. */
  get registry(): DataSourceRegistry {
    return this.#ctx.registry;
  }

  /** Recent runs, newest first (the ledger's). */
  runs(limit?: number): Promise<RunRecord[]> {
    return runsOf(this.#ctx, limit);
  }

  /** One run, as the ledger has it; undefined for an id it does not hold. */
  run(runId: string): Promise<RunRecord | undefined> {
    return runOf(this.#ctx, runId);
  }

  /** The task ledger, newest first: what each request came to, and why. */
  tasks(filter?: TaskFilter): Promise<TaskRecord[]> {
    return tasksOf(this.#ctx, filter);
  }

  /** A page of a source's stored table and its row count; undefined when the storage cannot read back. */
  rows(
    sourceId: string,
    page: { readonly offset?: number; readonly limit?: number } = {},
  ): Promise<RowsPage | undefined> {
    return rowsOf(this.#ctx, sourceId, page);
  }

  /** Every quota the sources count in: used and left in each rate window and in the day. */
  quota(now: Date = this.#ctx.now()): Promise<QuotaGauge[]> {
    return quotaOf(this.#ctx, now);
  }
}
