import {
  isFinalAnswer,
  type CheckpointStore,
  type DataSource,
  type FinishedTask,
  type RequestArgs,
  type TaskRecord,
} from '@dsync/datasource';

/** What a run does with one batch of args, by what the ledger holds of them. */
export interface Claimed {
  /** The args to ask, recorded pending under the run. */
  readonly due: readonly RequestArgs[];
  /** Args whose answer the ledger holds as final, or asked again too recently. */
  readonly skipped: number;
}

/**
 * How much earlier than a full recheck interval a run may come and still ask: runs on a
 * daily schedule start at about the same time each day, and each request is sent a little
 * after its run starts, so a week later is a few seconds short of a full week.
 */
const RECHECK_SLACK_MS = 3_600_000;

/**
 * Whether a finished task is asked again now: its answer came before its window settled,
 * and, while the window has still not settled, the source's recheck interval has passed.
 * A window that has settled since is asked once more, whatever the interval: that answer
 * is final.
 */
function askAgain(args: RequestArgs, finished: FinishedTask, source: DataSource, now: number) {
  if (isFinalAnswer(args, finished.at)) return false;
  const settledNow = args.settles !== undefined && Date.parse(args.settles) <= now;
  const { recheck } = source.publication;
  return settledNow || recheck === 0 || Date.parse(finished.at) + recheck - RECHECK_SLACK_MS <= now;
}

/** A batch of args sorted by what the ledger holds of them. */
export interface Triage {
  /** Never asked. */
  readonly fresh: readonly RequestArgs[];
  /** Asked before, with an answer that is not final: asked again. */
  readonly again: readonly RequestArgs[];
  /** With a final answer, or asked again too recently. */
  readonly skipped: number;
}

/** Sorts a batch of args by what the ledger holds, without recording anything: one query. */
export async function triage(
  checkpoints: CheckpointStore,
  source: DataSource,
  batch: readonly RequestArgs[],
  now: number,
): Promise<Triage> {
  if (batch.length === 0) return { fresh: [], again: [], skipped: 0 };
  const finished = await checkpoints.finishedTasks(
    source.id,
    batch.map((a) => a.key),
  );
  const fresh: RequestArgs[] = [];
  const again: RequestArgs[] = [];
  for (const args of batch) {
    const task = finished.get(args.key);
    if (task === undefined) fresh.push(args);
    else if (askAgain(args, task, source, now)) again.push(args);
  }
  return { fresh, again, skipped: batch.length - fresh.length - again.length };
}

/**
 * Records a batch of args as the run's tasks and says which to ask: new ones are added
 * pending, finished ones asked again are reopened under the run, the rest skipped. One
 * ledger query per batch.
 */
export async function claimTasks(
  checkpoints: CheckpointStore,
  source: DataSource,
  runId: string,
  batch: readonly RequestArgs[],
  now: number,
): Promise<Claimed> {
  const { fresh, again, skipped } = await triage(checkpoints, source, batch, now);
  const updatedAt = new Date(now).toISOString();
  const record = (args: RequestArgs): TaskRecord => ({
    runId,
    sourceId: source.id,
    key: args.key,
    args,
    status: 'pending',
    attempts: 0,
    rows: 0,
    updatedAt,
  });
  await checkpoints.addTasks(fresh.map(record));
  await checkpoints.addTasks(again.map(record), { reopen: true });
  return { due: [...fresh, ...again], skipped };
}
