import type { RequestArgs } from './request-args.js';

/**
 * How a run's tasks reach fetch workers in a distributed deployment: a durable queue that a
 * broker (RabbitMQ) keeps, so that a worker that dies hands its unacknowledged tasks to the
 * others. The ledger stays the record of what is done; the queue only says who does what next.
 */

/** One request of a run, as it travels to a fetch worker. */
export interface QueuedTask {
  readonly runId: string;
  readonly sourceId: string;
  readonly args: RequestArgs;
}

/** A task handed to one worker: it answers with exactly one of `ack` or `requeue`. */
export interface TaskDelivery {
  readonly task: QueuedTask;
  /** The broker delivered it before, to a worker that neither acked nor requeued it (it died). */
  readonly redelivered: boolean;
  /** Done with it for good (its rows are durable, or the ledger says why not). */
  ack(): Promise<void>;
  /** Back on the queue, for any worker. */
  requeue(): Promise<void>;
  /**
   * Aborted when the delivery can no longer be settled here (the channel it came on died):
   * the broker hands it out again, and `ack` and `requeue` are no-ops from then on. A worker
   * stops the task's work then, rather than race the worker that gets it next. Optional: a
   * queue that never loses a delivery has none.
   */
  readonly lost?: AbortSignal;
}

export interface TaskConsumer {
  /** Stops taking deliveries; the unacknowledged ones go back to the queue. */
  stop(): Promise<void>;
}

export interface TaskQueue {
  /** Publishes durably: resolves once the broker has confirmed every task. */
  publish(tasks: readonly QueuedTask[]): Promise<void>;
  /**
   * Hands tasks to `handler`, at most `prefetch` unacknowledged at once. A handler that
   * throws has its delivery requeued.
   */
  consume(
    handler: (delivery: TaskDelivery) => Promise<void>,
    options: { readonly prefetch: number },
  ): Promise<TaskConsumer>;
  /** Tasks waiting on the queue, not counting those delivered and unacknowledged. */
  depth(): Promise<number>;
  close(): Promise<void>;
}
