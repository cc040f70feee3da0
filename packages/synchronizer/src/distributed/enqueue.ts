import type {
  CheckpointStore,
  DataSource,
  QueuedTask,
  RequestArgs,
  TaskQueue,
} from '@dsync/datasource';
import { claimTasks } from '../engine/claim-tasks.js';

/** How many tasks of a source go to the ledger at once. */
const BATCH = 500;

/** A source to queue, with the args its run asks. */
export interface QueuedSource {
  readonly source: DataSource;
  readonly args: AsyncIterable<RequestArgs>;
}

/**
 * A source's tasks for the queue, batch by batch: first what earlier runs left unfinished,
 * then the args whose answer is not final yet, each batch recorded pending in the ledger
 * before it is handed on (a crash before it is published leaves pending tasks the next
 * enqueue publishes again; a task published twice is fetched once, since workers check the
 * ledger first).
 */
async function* taskBatches(
  { source, args }: QueuedSource,
  runId: string,
  checkpoints: CheckpointStore,
  now: number,
): AsyncGenerator<QueuedTask[]> {
  const toTask = (a: RequestArgs): QueuedTask => ({ runId, sourceId: source.id, args: a });
  const left = await checkpoints.unfinishedTasks(source.id);
  const leftKeys = new Set(left.map((t) => t.key));
  const updatedAt = new Date(now).toISOString();
  for (let i = 0; i < left.length; i += BATCH) {
    const batch = left.slice(i, i + BATCH);
    // Pending under this run: a failed task queued again is the run's to wait for, or the run
    // would close (and move the cursor) before a worker took it.
    await checkpoints.addTasks(
      batch.map((t) => ({ ...t, runId, status: 'pending', attempts: 0, updatedAt })),
      { reopen: true },
    );
    yield batch.map((t) => toTask(t.args));
  }
  let batch: RequestArgs[] = [];
  const claim = async () => {
    const { due } = await claimTasks(checkpoints, source, runId, batch, now);
    batch = [];
    return due.map(toTask);
  };
  for await (const a of args) {
    if (leftKeys.has(a.key)) continue;
    batch.push(a);
    if (batch.length === BATCH) yield await claim();
  }
  if (batch.length > 0) yield await claim();
}

/** Tasks of several lists, one of each in turn: `[a1, b1, a2, b2, a3]`. */
function interleave(lists: readonly (readonly QueuedTask[])[]): QueuedTask[] {
  const out: QueuedTask[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++)
    for (const list of lists) if (i < list.length) out.push(list[i] as QueuedTask);
  return out;
}

/**
 * Puts the sources' tasks on the queue for fetch workers, one source's task after another's
 * in turn: a worker holding a few tasks then holds tasks of several scopes, and fills each
 * scope's limit at once instead of waiting on one interface while the others idle.
 * @returns the tasks queued, per source
 */
export async function enqueueSources(
  sources: readonly QueuedSource[],
  runId: string,
  checkpoints: CheckpointStore,
  queue: TaskQueue,
  now: number,
): Promise<Map<string, number>> {
  const queued = new Map(sources.map(({ source }) => [source.id, 0]));
  let open = sources.map((s) => ({
    id: s.source.id,
    batches: taskBatches(s, runId, checkpoints, now),
  }));
  while (open.length > 0) {
    const round = await Promise.all(open.map(async (s) => ({ s, next: await s.batches.next() })));
    open = round.filter((r) => r.next.done !== true).map((r) => r.s);
    const lists = round.flatMap((r) => (r.next.done === true ? [] : [r.next.value]));
    for (const [i, list] of lists.entries()) {
      const id = open[i]?.id as string;
      queued.set(id, (queued.get(id) ?? 0) + list.length);
    }
    const tasks = interleave(lists);
    if (tasks.length > 0) await queue.publish(tasks);
  }
  return queued;
}
