import type { RequestArgs } from './request-args.js';

/**
 * The task ledger and checkpoints: what every run did, per task, so that a crashed or
 * cancelled run resumes without fetching a done task again.
 */

/**
 * A task's lifecycle. `pending` → `running` → `done` | `dropped` (bad argument) | `failed`
 * (retries spent, or a fatal answer); `running` → `pending` again on a cool-down or a
 * cancellation (it is retried next run).
 */
export const TASK_STATUSES = ['pending', 'running', 'done', 'dropped', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** An error as the ledger keeps it: code and message, never a secret. */
export interface LedgerError {
  readonly code: string;
  readonly message: string;
}

export interface TaskRecord {
  readonly runId: string;
  readonly sourceId: string;
  /** The args key: unique per source across runs. */
  readonly key: string;
  readonly args: RequestArgs;
  readonly status: TaskStatus;
  readonly attempts: number;
  /** Rows stored for this task so far (all pages). */
  readonly rows: number;
  readonly lastError?: LedgerError;
  /** Which process ran it last (host:pid, or a worker name). */
  readonly worker?: string;
  readonly updatedAt: string;
  /** Done, its batch queued, and not yet marked stored by the queue's consumer. */
  readonly awaitingStore?: true;
}

/** A queue consumer's word that it stored the batch of a task in a run. */
export interface StoreReceipt {
  readonly runId: string;
  readonly sourceId: string;
  /** The task's args key (the batch's `argsKey`). */
  readonly key: string;
}

/** A task the ledger has as done or dropped, and when its last request was sent (ISO). */
export interface FinishedTask {
  readonly status: Extract<TaskStatus, 'done' | 'dropped'>;
  readonly at: string;
}

export const RUN_STATUSES = ['running', 'done', 'stopped', 'failed', 'cancelled'] as const;
/**
 * `done`: every task done or dropped. `stopped`: at a limit (daily quota, a cool-down past
 * the maximum wait), resumable. `failed`: a fatal answer or retries spent. `cancelled`: by
 * the user.
 */
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  readonly id: string;
  readonly sourceIds: readonly string[];
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Why it stopped, failed or was cancelled. */
  readonly reason?: LedgerError;
  /** When a daily quota resets, for a run stopped at it. */
  readonly resumeAfter?: string;
  /**
   * A queued run's settings per source, as the sync that queued it had them: a fetch worker
   * whose own differ leaves the source's tasks to the workers that match.
   */
  readonly settings?: Readonly<Record<string, RunSourceSettings>>;
}

/** Digests (16 hex digits each) of what a source's requests are made with. */
export interface RunSourceSettings {
  /** The source's definition. */
  readonly definition: string;
  /** Its account: label, address, credential. */
  readonly account: string;
  /** The limits of its scope and of its account. */
  readonly limits: string;
}

/** Where a source stands: what the registry needs to answer "is it unsynced now?". */
export interface SourceState {
  readonly sourceId: string;
  /** When a run last brought the source up to date. */
  readonly lastSyncedAt?: string;
  /**
   * The last settled day fully stored (`YYYY-MM-DD`): incremental syncs start after it, and
   * the days after it are asked again until they settle.
   */
  readonly cursor?: string;
  /** Tasks of earlier runs not done or dropped: a stopped or crashed run left them. */
  readonly pendingTasks: number;
  /**
   * A digest of the settings the source's requests were last sent with (its definition, its
   * account's address and credential): when it changes, its dropped requests are asked again.
   */
  readonly settings?: string;
}

/** Calls spent against a per-day quota, kept so the count survives restarts. */
export interface QuotaUsage {
  /** The account (never its token), and the api when the quota is per interface. */
  readonly scope: string;
  /** The quota's day in the provider's time zone, `YYYY-MM-DD`. */
  readonly day: string;
  readonly used: number;
  /** The provider said the day's quota is spent: no call until then (ISO time). */
  readonly spentUntil?: string;
}
