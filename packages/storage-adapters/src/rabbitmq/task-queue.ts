import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  DsyncError,
  redactUrl,
  sleep,
  type QueuedTask,
  type TaskConsumer,
  type TaskDelivery,
  type TaskQueue,
} from '@dsync/datasource';
import { StorageError } from '../errors.js';
import { describeError } from './describe-error.js';
import { decodeTask, encodeTask, taskPublishOptions } from './codec.js';
import {
  confirmedPublisher,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  type ConfirmedPublisher,
} from './confirm.js';
import { closeQuietly, connectWithRetry, DEFAULT_RECONNECT_TIMEOUT_MS } from './connection.js';
import { deliveryActions } from './delivery.js';
import { createEmitter } from './events.js';
import { assertQueues, assertTopology, deadLetterName, DEFAULT_TASK_QUEUE } from './topology.js';

/** Pause between a consumer's attempts to come back after its channel or connection died. */
const REATTACH_DELAY_MS = 1_000;

export interface RabbitTaskQueueOptions {
  /** `amqp://user:pass@host:5672/vhost`; the password never appears in errors. */
  readonly url: string;
  /** The durable queue; undecodable messages go to `{queue}.dead`. @default 'dsync.tasks' */
  readonly queue?: string;
  /**
   * A durable direct exchange to publish through; the queue is bound to it with its own name
   * as routing key. @default the broker's default exchange
   */
  readonly exchange?: string;
  /** How long connecting (at first, or after a lost connection) keeps trying. @default 30000 */
  readonly reconnectTimeoutMs?: number;
  /** How long a publish waits for the broker's confirms. @default 30000 */
  readonly confirmTimeoutMs?: number;
  /** The connection's name on the broker (`client_properties`). @default 'dsync' */
  readonly connectionName?: string;
}

/** What the queue tells about its connection to the broker. */
export interface TaskQueueEvents {
  /**
   * The connection was lost (the broker restarted, a network fault, an operator closed it);
   * consumers reattach every second, and the next `publish` or `depth` reconnects too.
   */
  disconnected: [error: Error];
  /** A connection lost before is open again. */
  reconnected: [];
}

/** The `TaskQueue` port on RabbitMQ. */
export interface RabbitTaskQueue extends TaskQueue {
  readonly queue: string;
  /** `''`: the default exchange. */
  readonly exchange: string;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof TaskQueueEvents>(
    event: E,
    listener: (...args: TaskQueueEvents[E]) => void,
  ): () => void;
}

/** A channel of the queue's one connection, for publishing or for one consumer. */
interface Link {
  readonly channel: ConfirmChannel;
  readonly publisher: ConfirmedPublisher;
  alive: boolean;
  /** Aborted once the channel is gone: its deliveries' `lost` signal. */
  readonly gone: AbortController;
  /** Why the broker closed the channel (a publish to a deleted exchange): said in errors. */
  closedBy?: Error;
}

/** Closes a channel on purpose: its `close` event is then no loss, and late acks are no-ops. */
async function closeLink(link: Link): Promise<void> {
  link.alive = false;
  link.gone.abort(new Error('the consumer stopped'));
  try {
    await link.channel.close();
  } catch {
    // already closed with its connection
  }
}

/**
 * A durable RabbitMQ queue of fetch tasks: persistent JSON messages, published on a confirm
 * channel (`publish` resolves once the broker confirmed every task), consumed on a channel of
 * its own per `consume` with `prefetch` unacked at most.
 *
 * - `ack`/`requeue` settle once; a second call, or one after the channel died, is a no-op
 *   (a died channel's unacked tasks come back with `redelivered: true`).
 * - A handler that throws has its delivery requeued (unless it settled it already).
 * - A message that is not a task (not JSON, wrong shape or content type) never reaches the
 *   handler: it is dead-lettered to `{queue}.dead` with the reason in `x-dsync-error`.
 * - A consumer whose channel or connection dies comes back on its own (the queue reconnects,
 *   every second until `stop`); the next `publish` or `depth` after a loss reconnects too. The
 *   deliveries of a channel that died have their `lost` signal aborted; the connection's loss
 *   and return are told as `disconnected` and `reconnected`.
 */
export function createRabbitTaskQueue(options: RabbitTaskQueueOptions): RabbitTaskQueue {
  const { url, connectionName } = options;
  const queue = options.queue ?? DEFAULT_TASK_QUEUE;
  const exchange = options.exchange ?? '';
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const target = redactUrl(url);
  const closing = new AbortController();
  const consumers = new Set<TaskConsumer>();
  /** Publishes, reattachments and dead-letterings under way: `close` waits for them. */
  const background = new Set<Promise<unknown>>();
  let connecting: Promise<ChannelModel> | undefined;
  const lostModels = new WeakSet<ChannelModel>();
  let publishing: Link | undefined;
  let openingPublisher: Promise<Link> | undefined;
  const events = createEmitter<TaskQueueEvents>();
  /** A connection was lost and none opened since: the next one is a reconnection. */
  let down = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    const settled: Promise<unknown> = work.then(
      () => background.delete(settled),
      () => background.delete(settled),
    );
    background.add(settled);
    return work;
  };

  // A StorageError from connecting already starts with the target: not twice.
  const failure = (what: string, error: unknown): StorageError => {
    const reason =
      error instanceof StorageError && error.message.startsWith(`${error.target}: `)
        ? error.message.slice(error.target.length + 2)
        : describeError(error, url);
    return new StorageError(target, `${what}: ${reason}`, { cause: error });
  };

  const closed = (): DsyncError => new DsyncError('E_CLOSED', `task queue "${queue}": closed`);

  /** The one connection, shared by every channel; a lost one is replaced on next use. */
  function connection(): Promise<ChannelModel> {
    if (connecting === undefined) {
      const opening = connectWithRetry({
        url,
        timeoutMs: reconnectTimeoutMs,
        signal: closing.signal,
        connectionName,
      });
      const forget = (): void => {
        if (connecting === opening) connecting = undefined;
      };
      connecting = opening;
      opening.then((model) => {
        if (down && !closing.signal.aborted) {
          down = false;
          events.emit('reconnected');
        }
        model.on('close', (error?: Error) => {
          lostModels.add(model);
          forget();
          if (closing.signal.aborted || down) return;
          down = true;
          events.emit('disconnected', error ?? new Error('connection closed'));
        });
      }, forget);
    }
    return connecting;
  }

  /** A confirm channel with the queue declared; `onLost` hears of its death unless closed on purpose. */
  async function openLink(onLost: (link: Link) => void): Promise<Link> {
    // A connection that dies closes its channels first: their owners come here while the
    // dead connection may still be the one awaited.
    let model = await connection();
    if (lostModels.has(model)) model = await connection();
    const channel = await model.createConfirmChannel();
    const link: Link = {
      channel,
      publisher: confirmedPublisher(channel, confirmTimeoutMs),
      alive: true,
      gone: new AbortController(),
    };
    // Listening from the start: a connection that dies closes its channels too.
    channel.on('error', (error: Error) => (link.closedBy = error));
    channel.on('close', () => {
      link.gone.abort(link.closedBy ?? new Error(`the channel of queue "${queue}" closed`));
      if (!link.alive) return;
      link.alive = false;
      onLost(link);
    });
    try {
      if (exchange === '') await assertQueues(channel, queue);
      else {
        await assertTopology(channel, { exchange, queue });
        await channel.bindQueue(queue, exchange, queue);
      }
      if (!link.alive) throw new Error('channel closed while declaring the queue');
      return link;
    } catch (error) {
      await closeLink(link);
      throw error;
    }
  }

  function publisherLink(): Promise<Link> {
    if (publishing?.alive === true) return Promise.resolve(publishing);
    // Concurrent calls after a loss share one channel.
    openingPublisher ??= openLink(() => undefined)
      .then((opened) => (publishing = opened))
      .finally(() => (openingPublisher = undefined));
    return openingPublisher;
  }

  async function publish(tasks: readonly QueuedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    // Encoded first: a task that is not JSON-safe fails the call before anything is sent.
    const messages = tasks.map((task) => ({
      content: encodeTask(task),
      properties: taskPublishOptions(task),
    }));
    const what = `${tasks.length} task(s) not published to queue "${queue}"`;
    let link: Link;
    try {
      link = await publisherLink();
    } catch (error) {
      throw failure(what, error);
    }
    const results = await Promise.allSettled(
      messages.map(({ content, properties }) =>
        link.publisher.publish(exchange, queue, content, properties),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0)
      throw failure(
        `${failed.length} of ${tasks.length} task(s) not confirmed by RabbitMQ for queue "${queue}"`,
        link.closedBy ?? failed[0]?.reason,
      );
  }

  async function consume(
    handler: (delivery: TaskDelivery) => Promise<void>,
    prefetch: number,
  ): Promise<TaskConsumer> {
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw new DsyncError('E_TASK_QUEUE_OPTIONS', `prefetch must be 1 or more, got ${prefetch}`);
    const stopping = new AbortController();
    const ended = (): boolean => stopping.signal.aborted || closing.signal.aborted;
    let installed: { readonly link: Link; readonly tag: string } | undefined;

    // Only the installed channel comes back; one dying while being set up fails its attach.
    const lost = (link: Link): void => {
      if (installed?.link !== link) return;
      installed = undefined;
      if (!ended()) void track(reattach());
    };

    async function reattach(): Promise<void> {
      while (!ended()) {
        try {
          return await attach();
        } catch {
          await sleep(REATTACH_DELAY_MS, stopping.signal);
        }
      }
    }

    async function attach(): Promise<void> {
      const link = await openLink(lost);
      try {
        await link.channel.prefetch(prefetch);
        const { consumerTag } = await link.channel.consume(queue, (message) =>
          onMessage(link, message),
        );
        if (!link.alive) throw new Error('channel closed while starting to consume');
        if (ended()) throw closed();
        installed = { link, tag: consumerTag };
      } catch (error) {
        await closeLink(link);
        throw error;
      }
    }

    function onMessage(link: Link, message: ConsumeMessage | null): void {
      // null: the broker cancelled the consumer (the queue was deleted); reattaching redeclares it.
      if (message === null) {
        if (installed?.link === link) void closeLink(link).then(() => lost(link));
        return;
      }
      // Stopping: the channel is about to close, which hands the message back.
      if (ended()) return;
      const actions = deliveryActions(link, message, deadLetterName(queue));
      let task: QueuedTask;
      try {
        task = decodeTask(message.content, message.properties.contentType);
      } catch (error) {
        // Failing to dead-letter (the channel died) leaves it to the broker's redelivery.
        void track(actions.deadLetter(describeError(error, url), 1).catch(() => undefined));
        return;
      }
      let settled = false;
      const once = (settle: () => boolean) => (): Promise<void> => {
        if (!settled) {
          settled = true;
          settle();
        }
        return Promise.resolve();
      };
      const delivery: TaskDelivery = {
        task,
        redelivered: message.fields.redelivered,
        ack: once(() => actions.ack()),
        requeue: once(() => actions.requeue()),
        lost: link.gone.signal,
      };
      void (async () => {
        try {
          await handler(delivery);
        } catch {
          await delivery.requeue();
        }
      })();
    }

    const consumer: TaskConsumer = {
      async stop() {
        if (stopping.signal.aborted) return;
        stopping.abort();
        consumers.delete(consumer);
        const active = installed;
        installed = undefined;
        if (active === undefined) return;
        if (active.link.alive) await active.link.channel.cancel(active.tag).catch(() => undefined);
        await closeLink(active.link);
      },
    };
    consumers.add(consumer);
    try {
      await attach();
    } catch (error) {
      consumers.delete(consumer);
      if (closing.signal.aborted) throw closed();
      throw failure(`cannot consume queue "${queue}"`, error);
    }
    return consumer;
  }

  return {
    queue,
    exchange,
    on: (event, listener) => events.on(event, listener),
    publish(tasks) {
      if (closing.signal.aborted) return Promise.reject(closed());
      return track(publish(tasks));
    },
    consume(handler, { prefetch }) {
      if (closing.signal.aborted) return Promise.reject(closed());
      return consume(handler, prefetch);
    },
    async depth() {
      if (closing.signal.aborted) throw closed();
      try {
        const { channel } = await publisherLink();
        return (await channel.checkQueue(queue)).messageCount;
      } catch (error) {
        throw failure(`cannot count the tasks of queue "${queue}"`, error);
      }
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      // Publishes in flight still get their confirms (or their errors).
      await Promise.allSettled([...background]);
      await openingPublisher?.catch(() => undefined);
      const model = await connecting?.catch(() => undefined);
      publishing = undefined;
      connecting = undefined;
      await closeQuietly(model);
    },
  };
}
