import type { Channel } from 'amqplib';

/** @default exchange and queue name of the RabbitMQ sink and consumer */
export const DEFAULT_EXCHANGE = 'dsync.batches';
export const DEFAULT_QUEUE = 'dsync.batches';
/** @default queue of the task queue fetch workers take tasks from */
export const DEFAULT_TASK_QUEUE = 'dsync.tasks';

/** `{queue}.dead`: the name of both the dead-letter exchange and the dead-letter queue. */
export const deadLetterName = (queue: string): string => `${queue}.dead`;

/**
 * Declares the main queue with its dead-letter exchange (fanout) and queue, all durable.
 * The sink and the consumer both call this with the same arguments, so whichever starts
 * first creates them and the other's declaration is a no-op (different arguments would
 * make RabbitMQ close the channel with PRECONDITION_FAILED).
 */
export async function assertQueues(channel: Channel, queue: string): Promise<void> {
  const dead = deadLetterName(queue);
  await channel.assertExchange(dead, 'fanout', { durable: true });
  await channel.assertQueue(dead, { durable: true });
  await channel.bindQueue(dead, dead, '');
  // Anything rejected without requeue, by dsync or another client, lands in the dead queue.
  await channel.assertQueue(queue, { durable: true, deadLetterExchange: dead });
}

/** The sink's side: the durable direct exchange batches are published to, and the queues. */
export async function assertTopology(
  channel: Channel,
  names: { readonly exchange: string; readonly queue: string },
): Promise<void> {
  await channel.assertExchange(names.exchange, 'direct', { durable: true });
  await assertQueues(channel, names.queue);
}
