import type {
  FinishedTask,
  LedgerError,
  QuotaUsage,
  RunRecord,
  RunStatus,
  SourceState,
  TaskRecord,
  StoreReceipt,
  TaskStatus,
} from './ledger.js';

/** A change to one task's ledger row. */
export interface TaskUpdate {
  readonly status: TaskStatus;
  readonly attempts?: number;
  readonly rows?: number;
  readonly lastError?: LedgerError;
  readonly worker?: string;
  /**
   * For a task done: its batch went to a sink whose consumer stores it later
   * (`Sink.storedByConsumer`), so it awaits that consumer's `markStored`. Every done update
   * says it anew (absent: false).
   */
  readonly awaitsStore?: boolean;
  /**
   * When it happened (ISO), on the synchronizer's clock; for a task done or dropped, when
   * its request was sent, which `isFinalAnswer` compares with the args' settle time.
   * @default the store's clock
   */
  readonly at?: string;
}

/**
 * The ledger and checkpoints: runs, tasks per args key, each source's cursor and the
 * per-day quota counts.
 *
 * @remarks
 * Keys are unique per source across runs: `tasks` with a key already done are not
 * returned by `unfinishedTasks`, so a resumed run fetches only what is left. Every method
 * is safe to call from several processes at once when the backing store is shared
 * (PostgreSQL); the embedded store (SQLite) serves one process.
 */
export interface CheckpointStore {
  ready(): Promise<void>;
  close(): Promise<void>;

  startRun(run: Pick<RunRecord, 'id' | 'sourceIds' | 'startedAt' | 'settings'>): Promise<void>;
  finishRun(
    id: string,
    status: Exclude<RunStatus, 'running'>,
    reason?: LedgerError,
    resumeAfter?: string,
  ): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(options?: { limit?: number }): Promise<RunRecord[]>;

  /**
   * Adds tasks; a key the ledger already has keeps its row, unless `reopen`: then the row
   * takes the task's run, args and status (a day asked again before it settled).
   */
  addTasks(tasks: readonly TaskRecord[], options?: { reopen?: boolean }): Promise<void>;
  updateTask(sourceId: string, key: string, update: TaskUpdate): Promise<void>;
  /**
   * `updateTask`, unless the task is done or dropped already; resolves to whether it changed
   * the row. Fetch workers write through it: a task redelivered while the worker that had it
   * was still finishing is fetched twice, and only the first to settle it counts it (the
   * other neither counts it nor turns it back to pending). Optional: a store without it is
   * written with `updateTask`, and such a race counts the task twice.
   */
  updateUnsettledTask?(sourceId: string, key: string, update: TaskUpdate): Promise<boolean>;
  /**
   * Which of these keys are done or dropped, and when their request was sent: a run skips
   * those whose answer is final and asks the others again. One query per batch.
   */
  finishedTasks(sourceId: string, keys: readonly string[]): Promise<Map<string, FinishedTask>>;
  /** Tasks neither done nor dropped, oldest first: what a resumed run does first. */
  unfinishedTasks(sourceId: string, options?: { limit?: number }): Promise<TaskRecord[]>;
  listTasks(filter?: {
    runId?: string;
    sourceId?: string;
    status?: TaskStatus;
    limit?: number;
  }): Promise<TaskRecord[]>;

  /**
   * A queue's consumer stored the batch of this task in this run. Taken whatever the order:
   * before or after the task is marked done; a receipt for a run the task is no longer in (a
   * stale redelivery) changes nothing.
   */
  markStored(receipt: StoreReceipt): Promise<void>;
  /** How many done tasks of the source, in any run, await their consumer's `markStored`. */
  awaitingStore(sourceId: string): Promise<number>;

  getSourceState(sourceId: string): Promise<SourceState>;
  /** Moves the cursor forward (never back) and stamps the sync time; keeps the settings. */
  advanceCursor(sourceId: string, cursor: string, syncedAt: string): Promise<void>;
  /**
   * Keeps the digest of the settings the source's requests are sent with now (see
   * `SourceState.settings`) and returns the one kept before, undefined the first time: the
   * caller compares them to know whether the settings changed. Leaves the cursor as it is.
   * A digest is at most 64 characters (a hex SHA-256 fits).
   */
  recordSettings(sourceId: string, settings: string): Promise<string | undefined>;
  /**
   * Makes a source's dropped tasks pending again, so the next run (or `unfinishedTasks`) asks
   * them again: after its settings changed, or when the user asks to retry them. Their
   * attempts start over; their last error stays, as it says why they were dropped. Returns
   * how many tasks it reopened; `at` (ISO) is their new update time.
   */
  reopenDropped(sourceId: string, at: string): Promise<number>;
  /**
   * Removes these tasks of a source from the ledger: made from a definition since changed,
   * they are neither resumed nor skipped, and the args the definition now generates take
   * their place. Returns how many it removed.
   */
  forgetTasks(sourceId: string, keys: readonly string[]): Promise<number>;

  getQuotaUsage(scope: string, day: string): Promise<QuotaUsage>;
  /** Adds `calls` to the day's count and returns the new total. */
  addQuotaUsage(scope: string, day: string, calls: number): Promise<number>;
  /**
   * Keeps the provider's word that the day's quota is spent until `until`, so the next run
   * (another process, a restart) does not call before then only to be refused again.
   */
  markQuotaSpent(scope: string, day: string, until: string): Promise<void>;
}
