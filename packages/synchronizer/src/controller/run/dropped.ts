import { addDays, pageOf } from '@dsync/arg-generation';
import type { CheckpointStore, DataSource, RequestArgs, TaskRecord } from '@dsync/datasource';

/**
 * A dropped request's data is missing, so its day is not settled: a source's cursor never
 * passes it. These read what a source's dropped requests hold back.
 */
export interface DroppedRequests {
  /** Requests dropped: refused by the provider, or rows the storage refused. */
  readonly tasks: number;
  /** The earliest day a dropped request covers; the cursor stays before it. */
  readonly first?: string;
  /** The latest day a dropped request covers. */
  readonly last?: string;
  /** Dropped requests that cover no day (a request without a window): the cursor stays where it is. */
  readonly undated: number;
}

/** The day a request covers first: its window's start, or the day its snapshot is taken. */
const dayOf = (args: RequestArgs): string | undefined => args.window?.start ?? args.asOf;

const tasksIn = (checkpoints: CheckpointStore, sourceId: string, status: 'dropped') =>
  checkpoints.listTasks({ sourceId, status, limit: Number.MAX_SAFE_INTEGER });

/** What a source's dropped requests hold back; undefined when it has none. */
export async function droppedRequests(
  checkpoints: CheckpointStore,
  sourceId: string,
): Promise<DroppedRequests | undefined> {
  const tasks = await tasksIn(checkpoints, sourceId, 'dropped');
  if (tasks.length === 0) return undefined;
  const days = tasks
    .map((t) => dayOf(t.args))
    .filter((d): d is string => d !== undefined)
    .sort();
  const [first, last] = [days[0], days.at(-1)];
  return {
    tasks: tasks.length,
    undated: tasks.length - days.length,
    ...(first === undefined ? {} : { first }),
    ...(last === undefined ? {} : { last }),
  };
}

/**
 * Where a cursor may move with these drops: no further than the day before the first dropped
 * day, and not at all past the current one while a dropped request covers no day.
 */
export function cursorBefore(
  wanted: string | undefined,
  dropped: DroppedRequests | undefined,
  current: string | undefined,
): string | undefined {
  if (dropped === undefined || wanted === undefined) return wanted;
  if (dropped.undated > 0) return current;
  const held = dropped.first === undefined ? wanted : addDays(dropped.first, -1);
  return held < wanted ? held : wanted;
}

/**
 * The keys of a source's requests not done (dropped, failed, pending) that the next run
 * generates again from its cursor: first pages of days after it. A continuation page is not
 * generated again (its first page may be done), and neither is a day the cursor has passed.
 */
export async function staleTasks(
  checkpoints: CheckpointStore,
  source: DataSource,
  cursor: string | undefined,
): Promise<string[]> {
  const regenerated = (t: TaskRecord) => {
    const day = dayOf(t.args);
    return (
      day !== undefined && (cursor === undefined || day > cursor) && pageOf(source, t.args) === 0
    );
  };
  const tasks = [
    ...(await tasksIn(checkpoints, source.id, 'dropped')),
    ...(await checkpoints.unfinishedTasks(source.id, { limit: Number.MAX_SAFE_INTEGER })),
  ];
  return tasks.filter(regenerated).map((t) => t.key);
}
