import { consume } from '@dsync/storage-adapters';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { positiveInt } from './options.js';

/**
 * `dsync worker`: takes batches off the RabbitMQ queue the config names and writes them to its
 * storage, acking each once stored; runs until Ctrl-C, then finishes the writes in progress.
 */
export function registerWorkerCommand(program: Command, context: CliContext): void {
  program
    .command('worker')
    .description(
      'write batches from the RabbitMQ queue (config: queue) into the storage, until Ctrl-C',
    )
    .option('--prefetch <n>', 'unacked batches held at a time', positiveInt('--prefetch'), 16)
    .option(
      '--connect-timeout <ms>',
      'how long to try reaching the broker',
      positiveInt('--connect-timeout'),
      30_000,
    )
    .action(async (flags: { prefetch: number; connectTimeout: number }) => {
      const { config } = await context.config();
      if (config.queue === 'memory')
        throw new UsageError(
          'dsync worker needs a queue: set queue: amqp://user:pass@host:5672 in the config file.',
        );
      const amqp = typeof config.queue === 'string' ? { url: config.queue } : config.queue;
      const runtime = await context.runtime();
      const logger = await context.logger();
      const consumer = consume({
        url: amqp.url,
        ...(amqp.queue === undefined ? {} : { queue: amqp.queue }),
        prefetch: flags.prefetch,
        reconnectTimeoutMs: flags.connectTimeout,
        sink: runtime.storage,
        sources: (id) => (runtime.registry.has(id) ? runtime.registry.get(id) : undefined),
      });
      consumer.on('dead-lettered', (id, reason) =>
        logger.warn({ id, reason }, 'batch dead-lettered'),
      );
      consumer.on('disconnected', (error) => logger.warn({ err: error }, 'broker connection lost'));
      await consumer.ready();
      context.stderr.write(`Worker consuming ${amqp.queue ?? 'dsync.batches'}; Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        const remove = context.onInterrupt(() => {
          remove();
          resolve();
        });
      });
      await consumer.close();
      const stats = consumer.stats();
      context.output.line(
        `Worker stopped: ${stats.acked} batches stored, ${stats.retried} retried, ${stats.deadLettered} dead-lettered.`,
      );
    });
}
