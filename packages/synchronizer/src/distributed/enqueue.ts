import type {
  CheckpointStore,
  DataSource,
  QueuedTask,
  RequestArgs,
  TaskQueue,
} from '@dsync/datasource';

/** How many tasks go to the ledger and the queue at once. */
const BATCH = 500;

/**
 * Puts a source's tasks on the queue for fetch workers: first what earlier runs left
 * unfinished, then the args not settled yet, each batch recorded pending in the ledger before
 * it is published (a crash in between leaves pending tasks the next enqueue publishes again;
 * a task published twice is fetched once, since workers check the ledger first).
 * @returns the tasks queued
 */
export async function enqueueSource(
  source: DataSource,
  args: AsyncIterable<RequestArgs>,
  runId: string,
  checkpoints: CheckpointStore,
  queue: TaskQueue,
): Promise<number> {
  const toTask = (a: RequestArgs): QueuedTask => ({ runId, sourceId: source.id, args: a });
  const left = await checkpoints.unfinishedTasks(source.id);
  const leftKeys = new Set(left.map((t) => t.key));
  let queued = 0;
  for (let i = 0; i < left.length; i += BATCH) {
    const tasks = left.slice(i, i + BATCH).map((t) => toTask(t.args));
    await queue.publish(tasks);
    queued += tasks.length;
  }
  const flush = async (batch: RequestArgs[]) => {
    const settled = await checkpoints.settledKeys(
      source.id,
      batch.map((a) => a.key),
    );
    const fresh = batch.filter((a) => !settled.has(a.key));
    if (fresh.length === 0) return;
    const updatedAt = new Date().toISOString();
    await checkpoints.addTasks(
      fresh.map((a) => ({
        runId,
        sourceId: source.id,
        key: a.key,
        args: a,
        status: 'pending' as const,
        attempts: 0,
        rows: 0,
        updatedAt,
      })),
    );
    await queue.publish(fresh.map(toTask));
    queued += fresh.length;
  };
  let batch: RequestArgs[] = [];
  for await (const a of args) {
    if (leftKeys.has(a.key)) continue;
    batch.push(a);
    if (batch.length === BATCH) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  return queued;
}
