import type { LedgerError, TaskRecord } from '@dsync/datasource';
import type { EnqueueResult, PlanOptions, SourcePlan, SyncEvent } from '@dsync/synchronizer';
import type { CliContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { createProgress } from '../output/progress.js';
import { misconfigurationHint } from './misconfiguration-hint.js';
import { formatNumber, plural } from '../output/progress-format.js';
import type { Runtime } from '../runtime/runtime.js';

/** How often the ledger is read while fetch workers do a run's tasks. */
const POLL_MS = 500;

export interface DistributedSyncFlags {
  readonly json?: boolean;
  /** `--no-wait` sets it false: return once the tasks are queued. */
  readonly wait?: boolean;
}

/** Where a queued source stands in the ledger. */
interface Standing {
  readonly sourceId: string;
  readonly tasks: number;
  /** Not done nor dropped: pending, running, or failed. */
  readonly left: number;
  readonly failed: number;
}

/** What the wait came to. */
type Ending =
  | { readonly kind: 'done' | 'failed' }
  | { readonly kind: 'stopped'; readonly scope: string; readonly resumeAt: string }
  | { readonly kind: 'interrupted' };

const FINISHED_AS = {
  done: 'done',
  failed: 'failed',
  stopped: 'stopped',
  interrupted: 'cancelled',
} as const;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The quota scopes a source's calls count in, from the controller's gauges: the account's
 * (`tushare:default`) or its interface's (`tushare:default:daily`).
 */
async function scopesOf(runtime: Runtime, sourceIds: readonly string[]): Promise<Set<string>> {
  const gauges = await runtime.controller.quota();
  const scopes = new Set<string>();
  for (const id of sourceIds) {
    const source = runtime.registry.get(id);
    for (const g of gauges) {
      const account = `${g.provider}:${g.label}`;
      if (
        g.provider === source.provider &&
        (g.scope === account || g.scope === `${account}:${source.api}`)
      )
        scopes.add(g.scope);
    }
  }
  return scopes;
}

async function standings(runtime: Runtime, result: EnqueueResult): Promise<Standing[]> {
  const { checkpoints } = runtime.storage;
  return Promise.all(
    result.queued.map(async ({ sourceId, tasks }) => {
      const { pendingTasks } = await checkpoints.getSourceState(sourceId);
      const failed =
        pendingTasks === 0
          ? 0
          : (await checkpoints.listTasks({ sourceId, status: 'failed', limit: pendingTasks }))
              .length;
      return { sourceId, tasks, left: pendingTasks, failed };
    }),
  );
}

/** The run's tasks of a source as the ledger has them, for rows and the workers that did them. */
const runTasks = (runtime: Runtime, runId: string, sourceId: string, limit: number) =>
  runtime.storage.checkpoints.listTasks({ runId, sourceId, limit: Math.max(1, limit) });

/**
 * Follows a queued run in the ledger, as the engine's events would tell it: the progress
 * display (or plain lines) reads the same events, made from the counts of done tasks.
 */
async function follow(
  context: CliContext,
  runtime: Runtime,
  result: EnqueueResult,
  options: PlanOptions,
  interrupted: AbortSignal,
): Promise<Ending> {
  const { controller } = runtime;
  const plans: SourcePlan[] = result.queued.map(({ sourceId, tasks }) => ({
    sourceId,
    api: runtime.registry.get(sourceId).api,
    requests: tasks,
    etaMs: 0,
    days: 1,
    count: 'exact',
  }));
  const progress = createProgress({ stream: context.stderr, plans });
  const emit = (event: SyncEvent) => progress.listener(event);
  const scopes = await scopesOf(
    runtime,
    result.queued.map((q) => q.sourceId),
  );
  const shared = await runtime.sharedLimits();
  const doneSoFar = new Map<string, number>();
  const rowsSoFar = new Map<string, number>();
  let ending: Ending | undefined;
  emit({ type: 'run-started', runId: result.runId, sourceIds: plans.map((p) => p.sourceId) });
  for (const plan of plans)
    emit({ type: 'source-started', runId: result.runId, sourceId: plan.sourceId, resumed: 0 });
  try {
    ending = await (async (): Promise<Ending> => {
      for (;;) {
        const now = await standings(runtime, result);
        for (const s of now) {
          const done = Math.max(0, s.tasks - s.left);
          const before = doneSoFar.get(s.sourceId) ?? 0;
          if (done === before) continue;
          const tasks = await runTasks(runtime, result.runId, s.sourceId, s.tasks);
          const rows = tasks.reduce((sum, t) => sum + (t.status === 'done' ? t.rows : 0), 0);
          const newRows = rows - (rowsSoFar.get(s.sourceId) ?? 0);
          if (newRows > 0)
            emit({ type: 'rows-delivered', sourceId: s.sourceId, key: '', rows: newRows, page: 1 });
          for (let n = before; n < done; n++)
            emit({ type: 'task-done', sourceId: s.sourceId, key: `#${n}`, rows: 0 });
          doneSoFar.set(s.sourceId, done);
          rowsSoFar.set(s.sourceId, rows);
        }
        const ending = await controller.settleQueued(result.runId, options);
        if (ending === 'done' || ending === 'failed') return { kind: ending };
        if (ending !== undefined) return { kind: 'failed' };
        const left = now.filter((s) => s.left > 0);
        for (const scope of scopes) {
          const resumeAt = await shared.stoppedUntil(scope);
          if (resumeAt !== undefined && left.length > 0)
            return { kind: 'stopped', scope, resumeAt };
        }
        if (interrupted.aborted) return { kind: 'interrupted' };
        await sleep(POLL_MS, interrupted);
        if (interrupted.aborted) return { kind: 'interrupted' };
      }
    })();
    return ending;
  } finally {
    const final = await standings(runtime, result).catch(() => []);
    for (const s of final)
      emit({
        type: 'source-finished',
        runId: result.runId,
        sourceId: s.sourceId,
        status: s.left === 0 ? 'done' : FINISHED_AS[ending?.kind ?? 'interrupted'],
        rows: rowsSoFar.get(s.sourceId) ?? 0,
        requests: Math.max(0, s.tasks - s.left),
      });
    progress.finish();
  }
}

interface SourceSummary {
  readonly sourceId: string;
  readonly tasks: number;
  readonly done: number;
  readonly dropped: number;
  readonly failed: number;
  readonly left: number;
  readonly rows: number;
  /** The fetch workers the ledger names for the run's tasks. */
  readonly workers: readonly string[];
}

async function summaries(runtime: Runtime, result: EnqueueResult): Promise<SourceSummary[]> {
  const now = await standings(runtime, result);
  return Promise.all(
    now.map(async (s) => {
      const tasks: TaskRecord[] = await runTasks(runtime, result.runId, s.sourceId, s.tasks);
      const count = (status: string) => tasks.filter((t) => t.status === status).length;
      return {
        sourceId: s.sourceId,
        tasks: s.tasks,
        done: count('done'),
        dropped: count('dropped'),
        failed: s.failed,
        left: s.left,
        rows: tasks.reduce((sum, t) => sum + (t.status === 'done' ? t.rows : 0), 0),
        workers: [
          ...new Set(tasks.flatMap((t) => (t.worker === undefined ? [] : [t.worker]))),
        ].sort(),
      };
    }),
  );
}

function summaryLine(s: SourceSummary): string {
  const by = s.workers.length === 0 ? '' : ` by ${plural(s.workers.length, 'fetch worker')}`;
  return (
    `${s.sourceId}: ${formatNumber(s.tasks - s.left)} of ${plural(s.tasks, 'task')} settled${by}, ` +
    `${plural(s.rows, 'row')}` +
    (s.dropped > 0
      ? `, ${formatNumber(s.dropped)} dropped (see: dsync tasks --status dropped)`
      : '') +
    (s.failed > 0 ? `, ${formatNumber(s.failed)} failed (see: dsync tasks --status failed)` : '')
  );
}

/** Where Ctrl-C is: enqueuing (it cancels the local sync) or waiting (it ends the wait). */
interface Interrupts {
  enqueuing: boolean;
  readonly waiting: AbortController;
}

/**
 * `dsync sync` in distributed mode: the sources others read are synced here, the rest's tasks
 * go on the queue for `dsync worker --fetch` processes; then (unless `--no-wait`) it follows
 * the run in the ledger until the workers settled every task, or stopped at a daily limit.
 */
export async function syncDistributed(
  context: CliContext,
  runtime: Runtime,
  options: PlanOptions,
  flags: DistributedSyncFlags,
  printLocal: (result: NonNullable<EnqueueResult['synced']>) => void,
  exitCodeOfLocal: (result: NonNullable<EnqueueResult['synced']>) => number,
): Promise<number> {
  // One handler from start to end: no moment where Ctrl-C finds none and kills the process.
  const interrupts: Interrupts = { enqueuing: true, waiting: new AbortController() };
  const removeInterrupt = context.onInterrupt(() => {
    if (!interrupts.enqueuing) return interrupts.waiting.abort();
    context.stderr.write(
      '\nStopping: finishing the requests in flight (Ctrl-C again to quit now)…\n',
    );
    runtime.controller.cancel();
  });
  try {
    return await queueAndWait(
      context,
      runtime,
      options,
      flags,
      interrupts,
      printLocal,
      exitCodeOfLocal,
    );
  } finally {
    removeInterrupt();
  }
}

async function queueAndWait(
  context: CliContext,
  runtime: Runtime,
  options: PlanOptions,
  flags: DistributedSyncFlags,
  interrupts: Interrupts,
  printLocal: (result: NonNullable<EnqueueResult['synced']>) => void,
  exitCodeOfLocal: (result: NonNullable<EnqueueResult['synced']>) => number,
): Promise<number> {
  const { controller } = runtime;
  const json = flags.json === true;
  const local = createProgress({ stream: context.stderr });
  const unsubscribe = controller.events.on(local.listener);
  let result: EnqueueResult;
  try {
    result = await controller.enqueue(runtime.taskQueue(), options);
  } finally {
    interrupts.enqueuing = false;
    local.finish();
    unsubscribe();
  }
  const { synced } = result;
  if (result.status !== 'running' && synced !== undefined) {
    printLocal(synced);
    return exitCodeOfLocal(synced);
  }
  const queueName = runtime.distributed?.tasks.queue ?? '';
  if (!json) {
    if (synced !== undefined && synced.sources.length > 0) printLocal(synced);
    for (const q of result.queued)
      context.output.line(
        `${q.sourceId}: ${plural(q.tasks, 'task')} queued on ${queueName} for the fetch workers`,
      );
  }
  const queuedTasks = result.queued.reduce((sum, q) => sum + q.tasks, 0);
  // Nothing for the workers: the wait below closes the run at once.
  if (flags.wait === false && queuedTasks > 0) {
    if (json)
      context.output.json({ runId: result.runId, status: 'queued', queued: result.queued, synced });
    else
      context.output.line(
        `Run ${result.runId} queued: dsync worker --fetch processes fetch it. ` +
          `Follow it with: dsync tasks --run ${result.runId}`,
      );
    return EXIT_CODES.ok;
  }
  const ending = await follow(context, runtime, result, options, interrupts.waiting.signal);
  const sources = await summaries(runtime, result);
  const left = sources.reduce((sum, s) => sum + s.left, 0);
  let status: string = ending.kind;
  let code: number = EXIT_CODES.ok;
  let closing: string;
  switch (ending.kind) {
    case 'done':
      closing = queuedTasks === 0 ? 'Nothing to queue: every source is current.' : '';
      break;
    case 'failed': {
      const [failed] = await runtime.storage.checkpoints.listTasks({
        runId: result.runId,
        status: 'failed',
        limit: 1,
      });
      const reason: LedgerError | undefined = failed?.lastError;
      const run = await runtime.storage.checkpoints.getRun(result.runId);
      if (run?.status === 'running')
        await runtime.storage.checkpoints.finishRun(result.runId, 'failed', reason);
      // A source the workers found misconfigured waits for a fix to the config (exit 2).
      const hint =
        failed === undefined ? undefined : misconfigurationHint(runtime, { ...failed, reason });
      code = hint === undefined ? EXIT_CODES.failure : EXIT_CODES.usage;
      closing =
        `Failed: ${reason?.message ?? 'see dsync tasks --status failed'}` +
        (hint === undefined ? '' : `\n${hint}`);
      break;
    }
    case 'stopped':
      code = EXIT_CODES.stoppedAtLimit;
      await runtime.storage.checkpoints.finishRun(
        result.runId,
        'stopped',
        { code: 'E_DAILY_LIMIT', message: `The daily quota of ${ending.scope} is spent.` },
        ending.resumeAt,
      );
      closing =
        `Stopped at a limit: the daily quota of ${ending.scope} is spent; the fetch workers resume at ` +
        `${ending.resumeAt}, and ${plural(left, 'task')} wait on the queue for them. ` +
        `Run again after ${ending.resumeAt} to close the run.`;
      break;
    case 'interrupted':
      code = EXIT_CODES.interrupted;
      status = 'waiting';
      closing =
        `Stopped waiting: the fetch workers go on with the ${plural(left, 'task')} left on the queue; ` +
        `follow them with dsync tasks --run ${result.runId}, or run dsync sync again to wait.`;
      break;
  }
  if (json)
    context.output.json({
      runId: result.runId,
      status,
      ...(ending.kind === 'stopped' ? { resumeAfter: ending.resumeAt } : {}),
      synced,
      sources,
    });
  else {
    for (const s of sources) context.output.line(summaryLine(s));
    if (closing !== '') context.output.line(closing);
  }
  return code;
}
