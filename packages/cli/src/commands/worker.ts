import { hostname } from 'node:os';
import { builtInCatalog } from '@dsync/datasource';
import { consume } from '@dsync/storage-adapters';
import { FetchWorker } from '@dsync/synchronizer';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/progress-format.js';
import { configuredIds } from '../runtime/sources.js';
import { positiveInt } from './options.js';

interface WorkerFlags {
  readonly prefetch?: number;
  readonly connectTimeout: number;
  readonly fetch?: boolean;
  readonly name?: string;
  readonly every: number;
}

/** Resolves at the first Ctrl-C (SIGINT or SIGTERM). */
const interrupted = (context: CliContext) =>
  new Promise<void>((resolve) => {
    const remove = context.onInterrupt(() => {
      remove();
      resolve();
    });
  });

/**
 * `dsync worker`: takes batches off the RabbitMQ queue the config names and writes them to its
 * storage, acking each once stored; runs until Ctrl-C, then finishes the writes in progress.
 */
async function dataWorker(context: CliContext, flags: WorkerFlags): Promise<void> {
  const { config } = await context.config();
  if (config.queue === 'memory')
    throw new UsageError(
      'dsync worker needs a queue: set queue: amqp://user:pass@host:5672 in the config file.',
    );
  const amqp = typeof config.queue === 'string' ? { url: config.queue } : config.queue;
  const runtime = await context.runtime();
  // Tables an earlier version made are refused before a batch is taken (dsync migrate first).
  await runtime.storage.check(runtime.registry.list());
  const logger = await context.logger();
  const consumer = consume({
    url: amqp.url,
    ...(amqp.queue === undefined ? {} : { queue: amqp.queue }),
    prefetch: flags.prefetch ?? 16,
    reconnectTimeoutMs: flags.connectTimeout,
    sink: runtime.storage,
    // Each batch of a run marked stored in the ledger: a distributed sync waits for that.
    receipts: runtime.storage.checkpoints,
    sources: (id) => (runtime.registry.has(id) ? runtime.registry.get(id) : undefined),
  });
  consumer.on('dead-lettered', (id, reason) => logger.warn({ id, reason }, 'batch dead-lettered'));
  consumer.on('disconnected', (error) => logger.warn({ err: error }, 'broker connection lost'));
  // Without it a log shows the loss and never whether the worker came back.
  consumer.on('reconnected', () => logger.info('broker connection restored'));
  await consumer.ready();
  context.stderr.write(`Worker consuming ${amqp.queue ?? 'dsync.batches'}; Ctrl-C stops it.\n`);
  await interrupted(context);
  await consumer.close();
  const stats = consumer.stats();
  context.output.line(
    `Worker stopped: ${stats.acked} batches stored, ${stats.retried} retried, ${stats.deadLettered} dead-lettered.`,
  );
}

/**
 * `dsync worker --fetch`: takes tasks off the distributed task queue and fetches them within
 * the limits every worker shares through Redis, sending rows to the data queue; one line per
 * `--every` tasks, a line when it pauses at a daily limit; Ctrl-C hands the tasks in hand back.
 */
async function fetchWorker(context: CliContext, flags: WorkerFlags): Promise<void> {
  const { config, path } = await context.config();
  if (config.distributed === undefined)
    throw new UsageError(
      `dsync worker --fetch needs distributed mode: set distributed: { redis: redis://host:6379 } in ${path ?? 'the config file'} (see docs/deployment.md).`,
    );
  const name = flags.name ?? `${hostname()}:${process.pid}`;
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
  const shared = await runtime.sharedLimits();
  const runEvents = await runtime.runEvents();
  const queue = runtime.taskQueue();
  await runtime.sink.ready();
  const out = (line: string) => context.output.line(`${name}: ${line}`);
  const worker = new FetchWorker({
    registry: runtime.registry,
    queue,
    clients: runtime.clients,
    accounts: runtime.accounts,
    shared,
    runEvents,
    sink: runtime.sink,
    checkpoints: runtime.storage.checkpoints,
    worker: name,
    ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
    onPause: (resumeAt) =>
      out(`paused until ${resumeAt} (daily limit); the tasks wait on the queue`),
    onMismatch: (message) => {
      logger.warn({ worker: name }, message);
      out(`config differs: ${message}`);
    },
    onStall: (message) => {
      logger.warn({ worker: name }, message);
      out(`stalled: ${message}`);
    },
  });
  const unlog = worker.events.on((event) => logger.debug(event, event.type));
  const { stats } = worker;
  const summary = () =>
    `${stats.done} done, ${stats.dropped} dropped, ${stats.failed} failed, ${stats.requeued} requeued` +
    (stats.alreadySettled > 0 ? `, ${stats.alreadySettled} already settled` : '') +
    (stats.cancelled > 0 ? `, ${stats.cancelled} of cancelled runs left pending` : '');
  let reported = 0;
  const report = setInterval(() => {
    const settled =
      stats.done + stats.dropped + stats.failed + stats.alreadySettled + stats.cancelled;
    if (settled - reported < flags.every) return;
    reported = settled - (settled % flags.every);
    out(`${plural(settled, 'task')} (${summary()})`);
  }, 250);
  report.unref();
  try {
    await worker.start();
    context.stderr.write(
      `Fetch worker ${name} taking tasks from ${runtime.distributed?.tasks.queue ?? ''}; Ctrl-C stops it.\n`,
    );
    await interrupted(context);
    context.stderr.write('Stopping: the tasks in hand go back to the queue…\n');
  } finally {
    clearInterval(report);
    await worker.stop();
    unlog();
  }
  context.output.line(`Fetch worker ${name} stopped: ${summary()}.`);
}

export function registerWorkerCommand(program: Command, context: CliContext): void {
  program
    .command('worker')
    .description(
      'write batches from the RabbitMQ queue (config: queue) into the storage, until Ctrl-C; ' +
        'with --fetch, fetch the tasks dsync sync queued in distributed mode (config: distributed)',
    )
    .option('--fetch', 'be a fetch worker: take tasks from the task queue, send rows to the queue')
    .option(
      '--prefetch <n>',
      'unacked batches (default 16), or with --fetch tasks (default: the accounts’ maxConcurrent), held at a time',
      positiveInt('--prefetch'),
    )
    .option('--name <name>', 'with --fetch: the name the ledger records (default: host:pid)')
    .option(
      '--every <n>',
      'with --fetch: print a line every n tasks settled',
      positiveInt('--every'),
      100,
    )
    .option(
      '--connect-timeout <ms>',
      'how long to try reaching the broker',
      positiveInt('--connect-timeout'),
      30_000,
    )
    .addHelpText(
      'after',
      `
Two roles (see docs/deployment.md):
  dsync worker            stores the rows that sync or fetch workers send through queue:
  dsync worker --fetch    fetches the tasks dsync sync queued (config: distributed), within
                          the accounts' limits shared by every fetch worker through Redis;
                          pauses at a daily limit until it resets; Ctrl-C (SIGTERM) puts the
                          tasks in hand back on the queue and exits 0`,
    )
    .action(async (flags: WorkerFlags) => {
      if (flags.fetch === true) await fetchWorker(context, flags);
      else {
        if (flags.name !== undefined)
          throw new UsageError('--name names a fetch worker: use it with --fetch.');
        await dataWorker(context, flags);
      }
    });
}
