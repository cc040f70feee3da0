import type {
  CheckpointStore,
  DataSource,
  QueuedTask,
  RequestArgs,
  TaskQueue,
} from '@dsync/datasource';
import { claimTasks } from '../engine/claim-tasks.js';

/** How many tasks go to the ledger and the queue at once. */
const BATCH = 500;

/**
 * Puts a source's tasks on the queue for fetch workers: first what earlier runs left
 * unfinished, then the args whose answer is not final yet, each batch recorded pending in the ledger before
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
  now: number,
): Promise<number> {
  const toTask = (a: RequestArgs): QueuedTask => ({ runId, sourceId: source.id, args: a });
  const left = await checkpoints.unfinishedTasks(source.id);
  const leftKeys = new Set(left.map((t) => t.key));
  let queued = 0;
  const updatedAt = new Date(now).toISOString();
  for (let i = 0; i < left.length; i += BATCH) {
    const batch = left.slice(i, i + BATCH);
    // Pending under this run: a failed task queued again is the run's to wait for, or the run
    // would close (and move the cursor) before a worker took it.
    await checkpoints.addTasks(
      batch.map((t) => ({ ...t, runId, status: 'pending', attempts: 0, updatedAt })),
      { reopen: true },
    );
    await queue.publish(batch.map((t) => toTask(t.args)));
    queued += batch.length;
  }
  const flush = async (batch: RequestArgs[]) => {
    const { due } = await claimTasks(checkpoints, source, runId, batch, now);
    if (due.length === 0) return;
    await queue.publish(due.map(toTask));
    queued += due.length;
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
