import { builtInCatalog, redactText, redactUrl } from '@dsync/datasource';
import { FetchWorker, type FetchWorkerStats } from '@dsync/synchronizer';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/progress-format.js';
import { configuredIds } from '../runtime/sources.js';
import { ConnectionWatch } from './connection-watch.js';
import { depthWithin, waitingOf } from './depth.js';
import { startSession, type SessionFlags } from './session.js';
import { WORKER_HANDOVER_MS, WORKER_STOP_MS } from './stop-time.js';

export interface FetchRoleFlags extends SessionFlags {
  readonly name: string;
  readonly prefetch?: number;
  /** A line every n tasks settled. */
  readonly every: number;
}

/** The tasks by outcome, as the metrics label them. */
export const taskOutcomes = (stats: FetchWorkerStats) => ({
  done: stats.done,
  dropped: stats.dropped,
  failed: stats.failed,
  requeued: stats.requeued,
  already_settled: stats.alreadySettled,
  cancelled: stats.cancelled,
});

/** Tasks taken and settled one way or another (handed back ones are taken again later). */
const settledOf = (stats: FetchWorkerStats) =>
  stats.done + stats.dropped + stats.failed + stats.alreadySettled + stats.cancelled;

/** `done, dropped, failed, requeued` and the rarer outcomes when there are any. */
export function summaryOf(stats: FetchWorkerStats): string {
  return (
    `${stats.done} done, ${stats.dropped} dropped, ${stats.failed} failed, ${stats.requeued} requeued` +
    (stats.alreadySettled > 0 ? `, ${stats.alreadySettled} already settled` : '') +
    (stats.cancelled > 0 ? `, ${stats.cancelled} of cancelled runs left pending` : '')
  );
}

/** `tushare:default:daily 120, ndl:default 4`, or `none`. */
const callsOf = (calls: Readonly<Record<string, number>>) =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([scope, n]) => `${scope} ${n.toLocaleString('en-US')}`)
    .join(', ') || 'none';

/**
 * `dsync worker --fetch`: takes tasks off the distributed task queue and fetches them within
 * the limits every worker shares through Redis, sending rows to the data queue. It prints a
 * line every `--every` tasks, a report every `--report-every` seconds, a line per connection
 * lost and restored, a line when it pauses at a daily limit; Ctrl-C (SIGTERM) hands the tasks
 * in hand back, within the stop time.
 */
export async function fetchRole(context: CliContext, flags: FetchRoleFlags): Promise<void> {
  const { config, path } = await context.config();
  if (config.distributed === undefined)
    throw new UsageError(
      `dsync worker --fetch needs distributed mode: set distributed: { redis: redis://host:6379 } in ${path ?? 'the config file'} (see docs/deployment.md).`,
    );
  const { name } = flags;
  // Every catalog source besides the configured ones: `dsync sync <catalog id>` queues tasks
  // of sources the config need not list, and a task of a source unknown here would wait forever.
  const runtime = await context.runtime({ worker: name, ids: [...builtInCatalog().keys()] });
  const configured = new Set(configuredIds(config.sources));
  runtime.requireCredentials(runtime.registry.list().filter((s) => configured.has(s.id)));
  if (Object.keys(runtime.clients).length === 0)
    throw new UsageError(
      'dsync worker --fetch needs an account to fetch with: export TUSHARE_TOKEN (or NDL_API_KEY), or set accounts in the config file.',
    );
  const logger = await context.logger();
  const out = (line: string) => context.output.line(`${name}: ${line}`);
  const settings = runtime.distributed;
  const redis = redactUrl(settings?.redis ?? '');
  const shared = await runtime.sharedLimits();
  const runEvents = await runtime.runEvents();
  const queue = runtime.taskQueue();
  await runtime.sink.ready();
  const connections = new ConnectionWatch({
    worker: name,
    logger,
    out,
    secrets: runtime.secrets,
  });
  const tasksAt = redactUrl(settings?.tasks.url ?? '');
  connections.watch('task queue', `${tasksAt} ${queue.queue}`, queue, () => queue.depth());
  const { sink } = runtime;
  if (sink.on !== undefined)
    // It reconnects at its next write: probed while lost, so an idle worker comes back too.
    connections.watch('batch sink', sink.name, { on: sink.on }, () => sink.ready());
  connections.watch('redis limits', redis, shared);
  connections.watch('run events', redis, runEvents);
  const worker = new FetchWorker({
    registry: runtime.registry,
    queue,
    clients: runtime.clients,
    accounts: runtime.accounts,
    shared,
    runEvents,
    sink,
    checkpoints: runtime.storage.checkpoints,
    worker: name,
    ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
    onPause: (resumeAt) =>
      out(`paused until ${resumeAt} (daily limit); the tasks wait on the queue`),
    onStall: (message) => {
      logger.warn({ worker: name }, message);
      out(`stalled: ${message}`);
    },
    onMismatch: (message) => {
      logger.warn({ worker: name }, message);
      out(`config differs: ${message}`);
    },
    onLost: (tasks, reason) => {
      const why = redactText(reason.message, ...runtime.secrets);
      logger.warn({ worker: name, tasks, reason: why }, 'tasks in hand lost with their channel');
      out(`${plural(tasks, 'task')} in hand went back to the queue with the lost channel (${why})`);
    },
  });
  const unlog = worker.events.on((event) => logger.debug(event, event.type));
  const { stats } = worker;
  let reported = 0;
  const every = setInterval(() => {
    const settled = settledOf(stats);
    if (settled - reported < flags.every) return;
    reported = settled - (settled % flags.every);
    out(`${plural(settled, 'task')} (${summaryOf(stats)})`);
  }, 250);
  every.unref();
  const depth = () => depthWithin(() => queue.depth());
  const session = await startSession({
    context,
    logger,
    flags,
    connections,
    out,
    source: {
      worker: name,
      queue: queue.queue,
      counts: () => ({ tasks: taskOutcomes(stats), calls: stats.calls, rows: stats.rows }),
      connections: () => connections.states(),
      held: () => worker.held(),
      depth,
    },
    async report() {
      const waiting = await depth();
      logger.info(
        {
          worker: name,
          tasks: taskOutcomes(stats),
          rows: stats.rows,
          calls: { ...stats.calls },
          queue: queue.queue,
          depth: waiting ?? null,
          held: worker.held(),
        },
        'report',
      );
      out(
        `report: ${plural(settledOf(stats), 'task')} (${summaryOf(stats)}), ` +
          `${plural(stats.rows, 'row')}; calls ${callsOf(stats.calls)}; ` +
          `${queue.queue}: ${waitingOf(waiting)}, ${worker.held()} in hand`,
      );
    },
  });
  try {
    await worker.start();
    context.stderr.write(
      `Fetch worker ${name} taking tasks from ${queue.queue}; Ctrl-C stops it.\n`,
    );
    logger.info({ worker: name, queue: queue.queue }, 'fetch worker started');
    await session.interrupted();
    const held = worker.held();
    context.stderr.write(
      `Stopping: ${plural(held, 'task')} in hand ${held === 1 ? 'goes' : 'go'} back to the queue (within ${WORKER_STOP_MS / 1000} s)…\n`,
    );
    logger.info({ worker: name, held }, 'stopping');
  } finally {
    clearInterval(every);
    const { handedBack } = await worker.stop({ timeoutMs: WORKER_HANDOVER_MS });
    logger.info({ worker: name, handedBack }, 'tasks in hand handed back to the queue');
    out(`${plural(handedBack, 'task')} in hand went back to the queue`);
    unlog();
    await session.close();
  }
  logger.info(
    { worker: name, tasks: taskOutcomes(stats), rows: stats.rows },
    'fetch worker stopped',
  );
  context.output.line(`Fetch worker ${name} stopped: ${summaryOf(stats)}.`);
}
