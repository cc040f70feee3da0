import { DEFAULT_TASK_QUEUE, type DsyncConfig } from '../config/schema.js';

/**
 * Distributed mode as the processes of a deployment read it from their shared config: the
 * Redis their accounts' limits live in, and the RabbitMQ queue fetch tasks travel on.
 */
export interface DistributedSettings {
  /** `redis://[:password@]host:port[/db]`: never printed unredacted. */
  readonly redis: string;
  /** Prefix of every Redis key of the deployment. */
  readonly prefix: string;
  readonly tasks: { readonly url: string; readonly queue: string };
}

export const DEFAULT_REDIS_PREFIX = 'dsync';

/**
 * The `distributed` key with its defaults: the tasks' queue on the broker of `queue` (which
 * the schema requires to be an AMQP URL in distributed mode), named dsync.tasks.
 * @returns undefined when the config has no `distributed` key (one process does everything)
 */
export function distributedSettings(config: DsyncConfig): DistributedSettings | undefined {
  const { distributed, queue } = config;
  if (distributed === undefined) return undefined;
  const queueUrl = typeof queue === 'string' ? queue : queue.url;
  const tasks =
    typeof distributed.tasks === 'string' ? { url: distributed.tasks } : (distributed.tasks ?? {});
  return {
    redis: distributed.redis,
    prefix: distributed.prefix ?? DEFAULT_REDIS_PREFIX,
    tasks: { url: tasks.url ?? queueUrl, queue: tasks.queue ?? DEFAULT_TASK_QUEUE },
  };
}
