import type { EnqueueResult, PlanOptions, RunResult, SourcePlan } from '@dsync/synchronizer';
import type { CliContext } from '../context.js';
import { createProgress } from '../output/progress.js';
import { formatNumber, plural } from '../output/progress-format.js';
import type { Runtime } from '../runtime/runtime.js';

export interface DistributedSyncFlags {
  readonly json?: boolean;
  /** `--no-wait` sets it false: return once the tasks are queued. */
  readonly wait?: boolean;
  /** `--store-timeout`, in seconds. */
  readonly storeTimeout: number;
}

/** How `dsync sync` tells a run's result and the exit code it ends with (the local sync's). */
export interface RunReport {
  print(result: RunResult): void;
  exitCode(result: RunResult): number;
}

/** The fetch workers the ledger names for a source's tasks in the run. */
async function workersOf(runtime: Runtime, runId: string, sourceId: string, tasks: number) {
  const records = await runtime.controller.tasks({ runId, sourceId, limit: Math.max(1, tasks) });
  return new Set(records.flatMap((t) => (t.worker === undefined ? [] : [t.worker]))).size;
}

/** Per queued source: how many of its tasks settled, by how many workers, with its rows. */
async function printQueued(
  context: CliContext,
  runtime: Runtime,
  queued: EnqueueResult['queued'],
  result: RunResult,
): Promise<void> {
  for (const { sourceId, tasks } of queued) {
    const s = result.sources.find((r) => r.sourceId === sourceId);
    if (s === undefined) continue;
    const workers = await workersOf(runtime, result.runId, sourceId, tasks);
    context.output.line(
      `${sourceId}: ${formatNumber(s.requests)} of ${plural(tasks, 'task')} settled` +
        (workers === 0 ? '' : ` by ${plural(workers, 'fetch worker')}`) +
        `, ${plural(s.rows, 'row')}` +
        (s.dropped > 0
          ? `, ${formatNumber(s.dropped)} dropped (see: dsync tasks --status dropped)`
          : ''),
    );
  }
}

/** A ledger message as part of a sentence: "The quota … is spent." → "the quota … is spent". */
const sentence = (message: string) =>
  message.charAt(0).toLowerCase() + message.slice(1).replace(/\.$/, '');

/** What the fetch workers left, and how to go on, when a queued run did not finish. */
function closingLine(result: RunResult, queued: EnqueueResult['queued']): string | undefined {
  const left = queued.reduce((sum, q) => {
    const s = result.sources.find((r) => r.sourceId === q.sourceId);
    return sum + Math.max(0, q.tasks - (s?.requests ?? 0));
  }, 0);
  if (result.reason?.code === 'E_NOT_STORED')
    return (
      `Not stored: ${sentence(result.reason.message)}. ` +
      'Start dsync worker (it stores the queued batches), then run dsync sync again.'
    );
  switch (result.status) {
    case 'stopped':
      return (
        `Stopped at a limit: ${sentence(result.reason?.message ?? 'a daily quota is spent')}; ` +
        `the fetch workers resume at ${result.resumeAfter ?? 'the reset'}, and ` +
        `${plural(left, 'task')} wait on the queue for them. ` +
        `Run again after ${result.resumeAfter ?? 'the reset'} to follow them to the end.`
      );
    case 'cancelled':
      return (
        `Cancelled: the run is recorded cancelled, and the fetch workers leave its ${plural(left, 'task')} ` +
        `left pending; the next dsync sync queues them again. What was fetched is stored.`
      );
    default:
      return undefined;
  }
}

/**
 * `dsync sync` in distributed mode: the sources others read are synced here, the rest's tasks
 * go on the queue for `dsync worker --fetch` processes; then (unless `--no-wait`) the
 * controller follows the run: the workers' own events drive the progress, each source closes
 * once its tasks settle, and the run ends in the ledger. Ctrl-C cancels it, in either phase.
 */
export async function syncDistributed(
  context: CliContext,
  runtime: Runtime,
  options: PlanOptions,
  flags: DistributedSyncFlags,
  report: RunReport,
): Promise<number> {
  const { controller } = runtime;
  // One handler from start to end: no moment where Ctrl-C finds none and kills the process.
  // Between the enqueue and the follow no run is in progress: the signal carries it over.
  const interrupted = new AbortController();
  const removeInterrupt = context.onInterrupt(() => {
    context.stderr.write('\nStopping: cancelling the run (Ctrl-C again to quit now)…\n');
    interrupted.abort();
    controller.cancel();
  });
  try {
    return await queueAndFollow(context, runtime, options, flags, report, interrupted.signal);
  } finally {
    removeInterrupt();
  }
}

async function queueAndFollow(
  context: CliContext,
  runtime: Runtime,
  options: PlanOptions,
  flags: DistributedSyncFlags,
  report: RunReport,
  interrupted: AbortSignal,
): Promise<number> {
  const { controller } = runtime;
  const json = flags.json === true;
  const local = createProgress({ stream: context.stderr });
  const unsubscribe = controller.events.on(local.listener);
  let enqueued: EnqueueResult;
  try {
    enqueued = await controller.enqueue(runtime.taskQueue(), options);
  } finally {
    local.finish();
    unsubscribe();
  }
  const { synced, queued, held } = enqueued;
  // Sources not queued, for the summary and the exit code: held back by what failed here.
  const withHeld = (result: RunResult): RunResult => ({
    ...result,
    sources: [...(synced?.sources ?? []), ...held, ...result.sources],
  });
  if (enqueued.status !== 'running' && synced !== undefined) {
    const local = withHeld({ ...synced, sources: [] });
    report.print(local);
    return report.exitCode(local);
  }
  const queueName = runtime.distributed?.tasks.queue ?? '';
  if (!json) {
    const here = withHeld({ runId: synced?.runId ?? enqueued.runId, status: 'done', sources: [] });
    if (here.sources.length > 0) report.print({ ...(synced ?? here), sources: here.sources });
    for (const q of queued)
      context.output.line(
        `${q.sourceId}: ${plural(q.tasks, 'task')} queued on ${queueName} for the fetch workers`,
      );
  }
  const queuedTasks = queued.reduce((sum, q) => sum + q.tasks, 0);
  // Nothing for the workers: the follow below closes the run at once.
  if (flags.wait === false && queuedTasks > 0) {
    if (json)
      context.output.json({ runId: enqueued.runId, status: 'queued', queued, held, synced });
    else
      context.output.line(
        `Run ${enqueued.runId} queued: dsync worker --fetch processes fetch it. ` +
          `Follow it with: dsync tasks --run ${enqueued.runId}`,
      );
    // What ended here decides: 0 unless a source synced here or held back did not finish.
    return report.exitCode(withHeld({ runId: enqueued.runId, status: 'done', sources: [] }));
  }
  const plans: SourcePlan[] = queued.map(({ sourceId, tasks }) => ({
    sourceId,
    api: runtime.registry.get(sourceId).api,
    requests: tasks,
    etaMs: 0,
    days: 1,
    count: 'exact',
  }));
  const progress = createProgress({ stream: context.stderr, plans });
  const stopProgress = controller.events.on(progress.listener);
  let result: RunResult;
  try {
    result = await controller.follow(enqueued.runId, {
      ...options,
      channel: await runtime.runEvents(),
      shared: await runtime.sharedLimits(),
      signal: interrupted,
      storeTimeoutMs: flags.storeTimeout * 1000,
    });
  } finally {
    progress.finish();
    stopProgress();
  }
  if (json) context.output.json({ ...result, queued, held, synced });
  // A failure: each source's ending, why, and what to do, as a local sync tells it.
  else if (result.status === 'failed') report.print(result);
  else {
    await printQueued(context, runtime, queued, result);
    const closing = closingLine(result, queued);
    if (closing !== undefined) context.output.line(closing);
    else if (queuedTasks === 0) context.output.line('Nothing to queue: every source is current.');
  }
  // The most serious ending of every source: synced here, held back, or the workers'.
  return report.exitCode(withHeld(result));
}
