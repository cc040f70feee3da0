import { redactUrl } from '@dsync/datasource';
import { consume, type ConsumerStats } from '@dsync/storage-adapters';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/progress-format.js';
import { ConnectionWatch } from './connection-watch.js';
import { depthWithin, waitingOf } from './depth.js';
import { startSession, type SessionFlags } from './session.js';
import { WORKER_HANDOVER_MS, WORKER_STOP_MS } from './stop-time.js';

export interface StoreRoleFlags extends SessionFlags {
  readonly name: string;
  readonly prefetch?: number;
  readonly connectTimeout: number;
}

/** The batches by outcome, as the metrics label them. */
const batchOutcomes = (stats: ConsumerStats) => ({
  stored: stats.acked,
  retried: stats.retried,
  dead_lettered: stats.deadLettered,
  returned: stats.returned,
});

const summaryOf = (stats: ConsumerStats) =>
  `${plural(stats.acked, 'batch', 'batches')} stored (${plural(stats.rows, 'row')}), ` +
  `${stats.retried} retried, ${stats.deadLettered} dead-lettered, ${stats.returned} returned to the queue`;

/**
 * `dsync worker`: takes batches off the RabbitMQ queue the config names and writes them to its
 * storage, acking each once stored; a report every `--report-every` seconds and a line per
 * connection lost and restored; runs until Ctrl-C, then finishes the writes in progress
 * (within the stop time) and hands the other batches back.
 */
export async function storeRole(context: CliContext, flags: StoreRoleFlags): Promise<void> {
  const { config } = await context.config();
  if (config.queue === 'memory')
    throw new UsageError(
      'dsync worker needs a queue: set queue: amqp://user:pass@host:5672 in the config file.',
    );
  const amqp = typeof config.queue === 'string' ? { url: config.queue } : config.queue;
  const queueName = amqp.queue ?? 'dsync.batches';
  const { name } = flags;
  const runtime = await context.runtime({ worker: name });
  // Tables an earlier version made are refused before a batch is taken (dsync migrate first).
  await runtime.storage.check(runtime.registry.list());
  const logger = await context.logger();
  const out = (line: string) => context.output.line(`${name}: ${line}`);
  const consumer = consume({
    url: amqp.url,
    ...(amqp.queue === undefined ? {} : { queue: amqp.queue }),
    prefetch: flags.prefetch ?? 16,
    reconnectTimeoutMs: flags.connectTimeout,
    closeTimeoutMs: WORKER_HANDOVER_MS,
    connectionName: runtime.connectionName('store'),
    sink: runtime.storage,
    // Each batch of a run marked stored in the ledger: a distributed sync waits for that.
    receipts: runtime.storage.checkpoints,
    sources: (id) => (runtime.registry.has(id) ? runtime.registry.get(id) : undefined),
  });
  consumer.on('dead-lettered', (id, reason) =>
    logger.warn({ worker: name, id, reason }, 'batch dead-lettered'),
  );
  const connections = new ConnectionWatch({ worker: name, logger, out, secrets: runtime.secrets });
  await consumer.ready();
  connections.watch('batch queue', `${redactUrl(amqp.url)} ${queueName}`, consumer);
  const depth = () => depthWithin(() => consumer.depth());
  const session = await startSession({
    context,
    logger,
    flags,
    connections,
    out,
    source: {
      worker: name,
      queue: queueName,
      counts: () => {
        const stats = consumer.stats();
        return { batches: batchOutcomes(stats), rowsStored: stats.rows };
      },
      connections: () => connections.states(),
      held: () => consumer.held(),
      depth,
    },
    async report() {
      const waiting = await depth();
      const stats = consumer.stats();
      logger.info(
        {
          worker: name,
          batches: batchOutcomes(stats),
          rows: stats.rows,
          queue: queueName,
          depth: waiting ?? null,
          held: consumer.held(),
        },
        'report',
      );
      out(
        `report: ${summaryOf(stats)}; ${queueName}: ${waitingOf(waiting)}, ${consumer.held()} in hand`,
      );
    },
  });
  context.stderr.write(`Worker consuming ${queueName} as ${name}; Ctrl-C stops it.\n`);
  logger.info({ worker: name, queue: queueName }, 'storing worker started');
  try {
    await session.interrupted();
    const held = consumer.held();
    context.stderr.write(
      `Stopping: ${plural(held, 'batch', 'batches')} in hand; the writes in progress finish, the others go back to the queue (within ${WORKER_STOP_MS / 1000} s)…\n`,
    );
    logger.info({ worker: name, held }, 'stopping');
  } finally {
    const before = consumer.stats().returned;
    await consumer.close();
    const handedBack = consumer.stats().returned - before;
    logger.info({ worker: name, handedBack }, 'batches in hand handed back to the queue');
    out(`${plural(handedBack, 'batch', 'batches')} in hand went back to the queue`);
    await session.close();
  }
  const stats = consumer.stats();
  logger.info(
    { worker: name, batches: batchOutcomes(stats), rows: stats.rows },
    'storing worker stopped',
  );
  out(`stopped: ${summaryOf(stats)}`);
  // The line scripts read since the first version: its words stay.
  context.output.line(
    `Worker stopped: ${stats.acked} batches stored, ${stats.retried} retried, ${stats.deadLettered} dead-lettered.`,
  );
}
