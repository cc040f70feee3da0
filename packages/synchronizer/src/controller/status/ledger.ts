import type { RunRecord, TaskRecord, TaskStatus } from '@dsync/datasource';
import type { ControllerContext } from '../context.js';

/** Which tasks to list: the newest first, at most `limit`. */
export interface TaskFilter {
  readonly runId?: string;
  /** A source id; one the registry does not know is refused (`E_UNKNOWN_SOURCE`, with suggestions). */
  readonly sourceId?: string;
  readonly status?: TaskStatus;
  /** @default 50 */
  readonly limit?: number;
}

/** A page of a source's stored table, in primary-key order, with the table's row count. */
export interface RowsPage {
  readonly rows: Record<string, unknown>[];
  readonly total: number;
}

/** Recent runs, newest first. */
export function runsOf(ctx: ControllerContext, limit = 20): Promise<RunRecord[]> {
  return ctx.storage.checkpoints.listRuns({ limit });
}

/** One run, as the ledger has it. */
export function runOf(ctx: ControllerContext, runId: string): Promise<RunRecord | undefined> {
  return ctx.storage.checkpoints.getRun(runId);
}

/** The task ledger: what each request came to, and why it failed or was dropped. */
export function tasksOf(ctx: ControllerContext, filter: TaskFilter = {}): Promise<TaskRecord[]> {
  // An unknown source is an error with the nearest ids, not an empty list that hides the typo.
  if (filter.sourceId !== undefined) ctx.registry.get(filter.sourceId);
  return ctx.storage.checkpoints.listTasks({
    limit: filter.limit ?? 50,
    ...(filter.runId === undefined ? {} : { runId: filter.runId }),
    ...(filter.sourceId === undefined ? {} : { sourceId: filter.sourceId }),
    ...(filter.status === undefined ? {} : { status: filter.status }),
  });
}

/**
 * A page of a source's stored table and its row count, when the storage can read it back
 * (`ControllerStorage.readRows` and `countRows`); undefined when it cannot.
 */
export async function rowsOf(
  ctx: ControllerContext,
  sourceId: string,
  page: { readonly offset?: number; readonly limit?: number },
): Promise<RowsPage | undefined> {
  const source = ctx.registry.get(sourceId);
  const { storage } = ctx;
  if (storage.readRows === undefined || storage.countRows === undefined) return undefined;
  const [rows, total] = await Promise.all([
    storage.readRows(source, page),
    storage.countRows(source),
  ]);
  return { rows, total };
}
