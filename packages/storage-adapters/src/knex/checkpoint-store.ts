import { createHash } from 'node:crypto';
import type {
  CheckpointStore,
  LedgerError,
  QuotaUsage,
  RequestArgs,
  RunRecord,
  RunStatus,
  SourceState,
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
}

const toTask = (row: TaskRow): TaskRecord => ({
  runId: row.run_id,
  sourceId: row.source_id,
  key: (JSON.parse(row.args) as RequestArgs).key,
  args: JSON.parse(row.args) as RequestArgs,
  status: row.status,
  attempts: Number(row.attempts),
  rows: Number(row.rows),
  ...(row.last_error_code === null ? {} : { lastError: { code: row.last_error_code, message: row.last_error_message ?? '' } }),
  ...(row.worker === null ? {} : { worker: row.worker }),
  updatedAt: row.updated_at,
});

const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  sourceIds: JSON.parse(row.source_ids) as string[],
  status: row.status,
  startedAt: row.started_at,
  ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
  ...(row.reason_code === null ? {} : { reason: { code: row.reason_code, message: row.reason_message ?? '' } }),
  ...(row.resume_after === null ? {} : { resumeAfter: row.resume_after }),
});

/** The task update as columns; used alone and inside a batch's transaction. */
export function taskColumns(update: TaskUpdate): Record<string, unknown> {
  return {
    status: update.status,
    updated_at: now(),
    ...(update.attempts === undefined ? {} : { attempts: update.attempts }),
    ...(update.rows === undefined ? {} : { rows: update.rows }),
    ...(update.worker === undefined ? {} : { worker: update.worker }),
    ...(update.lastError === undefined ? {} : { last_error_code: update.lastError.code, last_error_message: update.lastError.message }),
  };
}

/** The checkpoint store over dsync's tables on a Knex connection (created by `migrateLedger`). */
export class KnexCheckpointStore implements CheckpointStore {
  readonly #knex: Knex;
  readonly #ready: () => Promise<void>;

  constructor(knex: Knex, ready: () => Promise<void>) {
    this.#knex = knex;
    this.#ready = ready;
  }

  ready(): Promise<void> {
    return this.#ready();
  }

  /** The connection belongs to the storage, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async startRun(run: Pick<RunRecord, 'id' | 'sourceIds' | 'startedAt'>): Promise<void> {
    await this.#knex('dsync_runs').insert({ id: run.id, source_ids: JSON.stringify(run.sourceIds), status: 'running', started_at: run.startedAt });
  }

  async finishRun(id: string, status: Exclude<RunStatus, 'running'>, reason?: LedgerError, resumeAfter?: string): Promise<void> {
    await this.#knex('dsync_runs')
      .where({ id })
      .update({ status, ended_at: now(), reason_code: reason?.code ?? null, reason_message: reason?.message ?? null, resume_after: resumeAfter ?? null });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = (await this.#knex('dsync_runs').where({ id }).first()) as RunRow | undefined;
    return row === undefined ? undefined : toRun(row);
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const rows = (await this.#knex('dsync_runs').orderBy('started_at', 'desc').limit(options.limit ?? 50)) as RunRow[];
    return rows.map(toRun);
  }

  async addTasks(tasks: readonly TaskRecord[]): Promise<void> {
    if (tasks.length === 0) return;
    const rows = tasks.map((t) => ({
      source_id: t.sourceId,
      key: ledgerKey(t.key),
      run_id: t.runId,
      args: JSON.stringify(t.args),
      status: t.status,
      attempts: t.attempts,
      rows: t.rows,
      worker: t.worker ?? null,
      created_at: t.updatedAt,
      updated_at: t.updatedAt,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await this.#knex('dsync_tasks').insert(rows.slice(i, i + 200)).onConflict(['source_id', 'key']).ignore();
    }
  }

  async updateTask(sourceId: string, key: string, update: TaskUpdate): Promise<void> {
    await this.#knex('dsync_tasks').where({ source_id: sourceId, key: ledgerKey(key) }).update(taskColumns(update));
  }

  async isSettled(sourceId: string, key: string): Promise<boolean> {
    const row = (await this.#knex('dsync_tasks').where({ source_id: sourceId, key: ledgerKey(key) }).first('status')) as { status: TaskStatus } | undefined;
    return row !== undefined && SETTLED.includes(row.status);
  }

  async unfinishedTasks(sourceId: string, options: { limit?: number } = {}): Promise<TaskRecord[]> {
    const rows = (await this.#knex('dsync_tasks')
      .where({ source_id: sourceId })
      .whereNotIn('status', SETTLED)
      .orderBy([{ column: 'created_at' }, { column: 'key' }])
      .limit(options.limit ?? 10_000)) as TaskRow[];
    return rows.map(toTask);
  }

  async listTasks(filter: { runId?: string; sourceId?: string; status?: TaskStatus; limit?: number } = {}): Promise<TaskRecord[]> {
    let query = this.#knex('dsync_tasks');
    if (filter.runId !== undefined) query = query.where('run_id', filter.runId);
    if (filter.sourceId !== undefined) query = query.where('source_id', filter.sourceId);
    if (filter.status !== undefined) query = query.where('status', filter.status);
    const rows = (await query.orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'key' }]).limit(filter.limit ?? 100)) as TaskRow[];
    return rows.map(toTask);
  }

  async getSourceState(sourceId: string): Promise<SourceState> {
    const source = (await this.#knex('dsync_sources').where({ source_id: sourceId }).first()) as
      | { cursor: string | null; last_synced_at: string | null }
      | undefined;
    const pending = (await this.#knex('dsync_tasks').where({ source_id: sourceId }).whereNotIn('status', SETTLED).count({ n: '*' }).first()) as
      | { n: number | string }
      | undefined;
    return {
      sourceId,
      pendingTasks: Number(pending?.n ?? 0),
      ...(source?.cursor == null ? {} : { cursor: source.cursor }),
      ...(source?.last_synced_at == null ? {} : { lastSyncedAt: source.last_synced_at }),
    };
  }

  async advanceCursor(sourceId: string, cursor: string, syncedAt: string): Promise<void> {
    await this.#knex.transaction(async (trx) => {
      const current = (await trx('dsync_sources').where({ source_id: sourceId }).first('cursor')) as { cursor: string | null } | undefined;
      if (current === undefined) {
        await trx('dsync_sources').insert({ source_id: sourceId, cursor, last_synced_at: syncedAt });
      } else {
        const next = current.cursor !== null && current.cursor > cursor ? current.cursor : cursor;
        await trx('dsync_sources').where({ source_id: sourceId }).update({ cursor: next, last_synced_at: syncedAt });
      }
    });
  }

  async getQuotaUsage(scope: string, day: string): Promise<QuotaUsage> {
    const row = (await this.#knex('dsync_quota').where({ scope, day }).first('used')) as { used: number | string } | undefined;
    return { scope, day, used: Number(row?.used ?? 0) };
  }

  async addQuotaUsage(scope: string, day: string, calls: number): Promise<number> {
    return this.#knex.transaction(async (trx) => {
      await trx('dsync_quota')
        .insert({ scope, day, used: calls })
        .onConflict(['scope', 'day'])
        .merge({ used: trx.raw('?? + ?', ['dsync_quota.used', calls]) });
      const row = (await trx('dsync_quota').where({ scope, day }).first('used')) as { used: number | string };
      return Number(row.used);
    });
  }
}
