import { createHash } from 'node:crypto';
import type {
  CheckpointStore,
  FinishedTask,
  LedgerError,
  QuotaUsage,
  RequestArgs,
  RunRecord,
  RunStatus,
  SourceState,
  StoreReceipt,
  TaskRecord,
  TaskStatus,
  TaskUpdate,
} from '@dsync/datasource';
import type { Knex } from 'knex';

/** Ledger keys longer than the column are hashed: still unique and stable, just not readable. */
export function ledgerKey(key: string): string {
  return key.length <= 512 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

const SETTLED: readonly TaskStatus[] = ['done', 'dropped'];
/** What a reopened task takes from the new one: its run, args, state and time; its error cleared. */
const REOPENED = [
  'run_id',
  'args',
  'status',
  'attempts',
  'rows',
  'last_error_code',
  'last_error_message',
  'updated_at',
];
const now = () => new Date().toISOString();

interface TaskRow {
  source_id: string;
  key: string;
  run_id: string;
  args: string;
  status: TaskStatus;
  attempts: number;
  rows: number | string;
  last_error_code: string | null;
  last_error_message: string | null;
  worker: string | null;
  updated_at: string;
  awaits_store: boolean | number;
  stored_run_id: string | null;
}

interface SourceRow {
  source_id: string;
  cursor: string | null;
  last_synced_at: string | null;
  settings: string | null;
}

interface QuotaRow {
  scope: string;
  day: string;
  used: number | string;
  spent_until: string | null;
}

interface RunRow {
  id: string;
  source_ids: string;
  status: RunStatus;
  started_at: string;
  ended_at: string | null;
  reason_code: string | null;
  reason_message: string | null;
  resume_after: string | null;
  settings: string | null;
}

const toTask = (row: TaskRow): TaskRecord => ({
  runId: row.run_id,
  sourceId: row.source_id,
  key: (JSON.parse(row.args) as RequestArgs).key,
  args: JSON.parse(row.args) as RequestArgs,
  status: row.status,
  attempts: Number(row.attempts),
  rows: Number(row.rows),
  ...(row.last_error_code === null
    ? {}
    : { lastError: { code: row.last_error_code, message: row.last_error_message ?? '' } }),
  ...(row.worker === null ? {} : { worker: row.worker }),
  updatedAt: row.updated_at,
  ...(row.status === 'done' && Boolean(row.awaits_store) && row.stored_run_id !== row.run_id
    ? { awaitingStore: true as const }
    : {}),
});

const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  sourceIds: JSON.parse(row.source_ids) as string[],
  status: row.status,
  startedAt: row.started_at,
  ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
  ...(row.reason_code === null
    ? {}
    : { reason: { code: row.reason_code, message: row.reason_message ?? '' } }),
  ...(row.resume_after === null ? {} : { resumeAfter: row.resume_after }),
  ...(row.settings === null
    ? {}
    : { settings: JSON.parse(row.settings) as NonNullable<RunRecord['settings']> }),
});

/** The task update as columns; used alone and inside a batch's transaction. */
export function taskColumns(update: TaskUpdate): Record<string, unknown> {
  return {
    status: update.status,
    updated_at: update.at ?? now(),
    ...(update.attempts === undefined ? {} : { attempts: update.attempts }),
    ...(update.rows === undefined ? {} : { rows: update.rows }),
    ...(update.worker === undefined ? {} : { worker: update.worker }),
    // Said anew by every done update: a task asked again may go where it is stored at once.
    ...(update.status === 'done' ? { awaits_store: update.awaitsStore === true } : {}),
    ...(update.lastError === undefined
      ? {}
      : { last_error_code: update.lastError.code, last_error_message: update.lastError.message }),
  };
}

/** The checkpoint store over dsync's tables on a Knex connection (created by `migrateLedger`). */
export class KnexCheckpointStore implements CheckpointStore {
  /** The storage's connection, opened (and migrated) on first use. */
  readonly #db: () => Promise<Knex>;

  constructor(db: () => Promise<Knex>) {
    this.#db = db;
  }

  async ready(): Promise<void> {
    await this.#db();
  }

  /** The connection belongs to the storage, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async startRun(
    run: Pick<RunRecord, 'id' | 'sourceIds' | 'startedAt' | 'settings'>,
  ): Promise<void> {
    const db = await this.#db();
    await db('dsync_runs').insert({
      id: run.id,
      source_ids: JSON.stringify(run.sourceIds),
      status: 'running',
      started_at: run.startedAt,
      settings: run.settings === undefined ? null : JSON.stringify(run.settings),
    });
  }

  async finishRun(
    id: string,
    status: Exclude<RunStatus, 'running'>,
    reason?: LedgerError,
    resumeAfter?: string,
  ): Promise<void> {
    const db = await this.#db();
    await db('dsync_runs')
      .where({ id })
      .update({
        status,
        ended_at: now(),
        reason_code: reason?.code ?? null,
        reason_message: reason?.message ?? null,
        resume_after: resumeAfter ?? null,
      });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const db = await this.#db();
    const row = await db<RunRow>('dsync_runs').where({ id }).first();
    return row === undefined ? undefined : toRun(row);
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const db = await this.#db();
    const rows = await db<RunRow>('dsync_runs')
      .orderBy('started_at', 'desc')
      .limit(options.limit ?? 50);
    return rows.map(toRun);
  }

  async addTasks(tasks: readonly TaskRecord[], options: { reopen?: boolean } = {}): Promise<void> {
    if (tasks.length === 0) return;
    const db = await this.#db();
    const rows = tasks.map((t) => ({
      source_id: t.sourceId,
      key: ledgerKey(t.key),
      run_id: t.runId,
      args: JSON.stringify(t.args),
      status: t.status,
      attempts: t.attempts,
      rows: t.rows,
      worker: t.worker ?? null,
      last_error_code: null,
      last_error_message: null,
      created_at: t.updatedAt,
      updated_at: t.updatedAt,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      const insert = db('dsync_tasks')
        .insert(rows.slice(i, i + 200))
        .onConflict(['source_id', 'key']);
      // Reopened: the row is this run's task again, its count and error those of the new ask.
      await (options.reopen === true ? insert.merge(REOPENED) : insert.ignore());
    }
  }

  async updateTask(sourceId: string, key: string, update: TaskUpdate): Promise<void> {
    const db = await this.#db();
    await db('dsync_tasks')
      .where({ source_id: sourceId, key: ledgerKey(key) })
      .update(taskColumns(update));
  }

  async updateUnsettledTask(sourceId: string, key: string, update: TaskUpdate): Promise<boolean> {
    const db = await this.#db();
    // One statement: the row's status is checked and changed atomically, whoever else writes it.
    const changed = await db('dsync_tasks')
      .where({ source_id: sourceId, key: ledgerKey(key) })
      .whereNotIn('status', SETTLED)
      .update(taskColumns(update));
    return changed > 0;
  }

  async finishedTasks(
    sourceId: string,
    keys: readonly string[],
  ): Promise<Map<string, FinishedTask>> {
    const db = await this.#db();
    const byLedgerKey = new Map(keys.map((k) => [ledgerKey(k), k]));
    const finished = new Map<string, FinishedTask>();
    const ledgerKeys = [...byLedgerKey.keys()];
    // Chunked: SQLite and MySQL cap the parameters of one statement.
    for (let i = 0; i < ledgerKeys.length; i += 500) {
      const rows = await db<TaskRow>('dsync_tasks')
        .select('key', 'status', 'updated_at')
        .where({ source_id: sourceId })
        .whereIn('key', ledgerKeys.slice(i, i + 500))
        .whereIn('status', SETTLED);
      for (const row of rows)
        finished.set(byLedgerKey.get(row.key) as string, {
          status: row.status as FinishedTask['status'],
          at: row.updated_at,
        });
    }
    return finished;
  }

  async unfinishedTasks(sourceId: string, options: { limit?: number } = {}): Promise<TaskRecord[]> {
    const db = await this.#db();
    const rows = await db<TaskRow>('dsync_tasks')
      .where({ source_id: sourceId })
      .whereNotIn('status', SETTLED)
      .orderBy([{ column: 'created_at' }, { column: 'key' }])
      .limit(options.limit ?? 10_000);
    return rows.map(toTask);
  }

  async listTasks(
    filter: { runId?: string; sourceId?: string; status?: TaskStatus; limit?: number } = {},
  ): Promise<TaskRecord[]> {
    const db = await this.#db();
    let query = db<TaskRow>('dsync_tasks');
    if (filter.runId !== undefined) query = query.where('run_id', filter.runId);
    if (filter.sourceId !== undefined) query = query.where('source_id', filter.sourceId);
    if (filter.status !== undefined) query = query.where('status', filter.status);
    const rows = await query
      .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'key' }])
      .limit(filter.limit ?? 100);
    return rows.map(toTask);
  }

  /** Only the task's current run: a batch of an earlier ask, stored late, is not this one. */
  async markStored(receipt: StoreReceipt): Promise<void> {
    const db = await this.#db();
    await db('dsync_tasks')
      .where({ source_id: receipt.sourceId, key: ledgerKey(receipt.key), run_id: receipt.runId })
      .update({ stored_run_id: receipt.runId });
  }

  async awaitingStore(sourceId: string): Promise<number> {
    const db = await this.#db();
    const [row] = await db('dsync_tasks')
      .where({ source_id: sourceId, status: 'done', awaits_store: true })
      .whereRaw('(?? is null or ?? <> ??)', ['stored_run_id', 'stored_run_id', 'run_id'])
      .count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async getSourceState(sourceId: string): Promise<SourceState> {
    const db = await this.#db();
    const source = await db<SourceRow>('dsync_sources').where({ source_id: sourceId }).first();
    const pending = await db('dsync_tasks')
      .where({ source_id: sourceId })
      .whereNotIn('status', SETTLED)
      .count<{ n: number | string }[]>({ n: '*' });
    return {
      sourceId,
      pendingTasks: Number(pending[0]?.n ?? 0),
      ...(source?.cursor == null ? {} : { cursor: source.cursor }),
      ...(source?.last_synced_at == null ? {} : { lastSyncedAt: source.last_synced_at }),
      ...(source?.settings == null ? {} : { settings: source.settings }),
    };
  }

  /** A row made by `recordSettings` has no cursor yet: the first one is taken as it is. */
  async advanceCursor(sourceId: string, cursor: string, syncedAt: string): Promise<void> {
    const db = await this.#db();
    await db.transaction(async (trx) => {
      const current = await trx<SourceRow>('dsync_sources').where({ source_id: sourceId }).first();
      if (current === undefined) {
        await trx('dsync_sources').insert({
          source_id: sourceId,
          cursor,
          last_synced_at: syncedAt,
        });
      } else {
        const next = current.cursor !== null && current.cursor > cursor ? current.cursor : cursor;
        // Only these two columns: the settings digest stays as `recordSettings` left it.
        await trx('dsync_sources')
          .where({ source_id: sourceId })
          .update({ cursor: next, last_synced_at: syncedAt });
      }
    });
  }

  /**
   * The row is made first, on its own (a second caller's insert does nothing), then read
   * locked and changed in a transaction: callers at once each get the digest the one before
   * them left, and none fails on the key. Inserting inside the transaction instead would
   * leave MySQL's shared lock of a duplicate insert there to deadlock with the locked read.
   */
  async recordSettings(sourceId: string, settings: string): Promise<string | undefined> {
    const db = await this.#db();
    await db('dsync_sources')
      .insert({ source_id: sourceId, cursor: null, last_synced_at: null, settings: null })
      .onConflict('source_id')
      .ignore();
    return db.transaction(async (trx) => {
      const current = await trx<SourceRow>('dsync_sources')
        .where({ source_id: sourceId })
        .forUpdate()
        .first();
      await trx('dsync_sources').where({ source_id: sourceId }).update({ settings });
      return current?.settings ?? undefined;
    });
  }

  /** One statement: the tasks reopened are exactly those dropped when it ran. */
  async reopenDropped(sourceId: string, at: string): Promise<number> {
    const db = await this.#db();
    // The error is kept: it says why the task was dropped, until its next answer replaces it.
    return db('dsync_tasks')
      .where({ source_id: sourceId, status: 'dropped' })
      .update({ status: 'pending', attempts: 0, updated_at: at });
  }

  async forgetTasks(sourceId: string, keys: readonly string[]): Promise<number> {
    const db = await this.#db();
    let removed = 0;
    // Chunked: SQLite and MySQL cap the parameters of one statement.
    for (let i = 0; i < keys.length; i += 500)
      removed += await db('dsync_tasks')
        .where({ source_id: sourceId })
        .whereIn('key', keys.slice(i, i + 500).map(ledgerKey))
        .delete();
    return removed;
  }

  async getQuotaUsage(scope: string, day: string): Promise<QuotaUsage> {
    const db = await this.#db();
    const row = await db<QuotaRow>('dsync_quota').where({ scope, day }).first();
    const spentUntil = row?.spent_until ?? undefined;
    return { scope, day, used: Number(row?.used ?? 0), ...(spentUntil ? { spentUntil } : {}) };
  }

  async markQuotaSpent(scope: string, day: string, until: string): Promise<void> {
    const db = await this.#db();
    await db('dsync_quota')
      .insert({ scope, day, used: 0, spent_until: until })
      .onConflict(['scope', 'day'])
      .merge({ spent_until: until });
  }

  async addQuotaUsage(scope: string, day: string, calls: number): Promise<number> {
    const db = await this.#db();
    return db.transaction(async (trx) => {
      await trx('dsync_quota')
        .insert({ scope, day, used: calls })
        .onConflict(['scope', 'day'])
        .merge({ used: trx.raw('?? + ?', ['dsync_quota.used', calls]) });
      const row = await trx<QuotaRow>('dsync_quota').where({ scope, day }).first();
      return Number(row?.used ?? 0);
    });
  }
}
