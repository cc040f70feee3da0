import type { ChannelModel, ConfirmChannel } from 'amqplib';
import {
  DsyncError,
  redactUrl,
  type DataSource,
  type RecordBatch,
  type Sink,
  type SinkBacklog,
} from '@dsync/datasource';
import { StorageError } from '../errors.js';
import { toStoredRows } from '../values.js';
import { encodeBatch, publishOptions } from './codec.js';
import {
  confirmedPublisher,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  type ConfirmedPublisher,
} from './confirm.js';
import { closeQuietly, connectWithRetry, DEFAULT_RECONNECT_TIMEOUT_MS } from './connection.js';
import { describeError } from './describe-error.js';
import { createEmitter } from './events.js';
import { assertTopology, DEFAULT_EXCHANGE, DEFAULT_QUEUE } from './topology.js';

export interface RabbitSinkOptions {
  /** `amqp://user:pass@host:5672/vhost`; the password never appears in `name` or errors. */
  readonly url: string;
  /** The durable direct exchange batches are published to. @default 'dsync.batches' */
  readonly exchange?: string;
  /** The durable queue bound to the exchange; its dead letters go to `{queue}.dead`. @default 'dsync.batches' */
  readonly queue?: string;
  /** The routing key of a batch (the queue is bound to each key used). @default the source id */
  readonly routingKey?: (batch: RecordBatch, source: DataSource) => string;
  /** How long `ready`, or a `write` after a lost connection, tries to connect. @default 30000 */
  readonly reconnectTimeoutMs?: number;
  /** How long a publish waits for the broker's confirm. @default 30000 */
  readonly confirmTimeoutMs?: number;
  /**
   * Whether the queue's consumer marks each stored batch in the ledger, as `dsync worker`
   * (`consume` with `receipts`) does: then a task's batch awaits that mark
   * (`Sink.storedByConsumer`), and a distributed sync moves a cursor only once its rows are
   * stored. Set false when another program consumes the queue. @default true
   */
  readonly awaitStored?: boolean;
  /** The connection's name on the broker (`client_properties`). @default 'dsync' */
  readonly connectionName?: string;
}

/** What the sink tells about its connection to the broker. */
export interface RabbitSinkEvents {
  /** The connection (or its channel) was lost; the next `write` or `ready` reconnects. */
  disconnected: [error: Error];
  /** A connection lost before is open again. */
  reconnected: [];
}

/** A `Sink` that hands batches to RabbitMQ: `write` resolves once the broker confirmed. */
export interface RabbitSink extends Sink {
  /** The exchange and queue it publishes to. */
  readonly exchange: string;
  readonly queue: string;
  backlog(): Promise<SinkBacklog>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof RabbitSinkEvents>(
    event: E,
    listener: (...args: RabbitSinkEvents[E]) => void,
  ): () => void;
}

/** One connection with its confirm channel; replaced as a whole when either dies. */
interface Link {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly publisher: ConfirmedPublisher;
  /** Routing keys the queue is bound to (bindings are durable; this just saves round trips). */
  readonly bound: Set<string>;
  alive: boolean;
  /** What the connection said when it went (the broker's reason), for the event. */
  reason?: Error;
}

/**
 * Publishes each batch as one persistent JSON message (id: the batch's idempotency key) and
 * resolves `write` only on the broker's confirm, so the synchronizer marks a task done only
 * once its batch is on disk in RabbitMQ. A write in flight when the connection dies rejects
 * with a `StorageError`; the next write reconnects (bounded by `reconnectTimeoutMs`).
 */
export function createRabbitSink(options: RabbitSinkOptions): RabbitSink {
  const { url } = options;
  const exchange = options.exchange ?? DEFAULT_EXCHANGE;
  const queue = options.queue ?? DEFAULT_QUEUE;
  const routingKeyOf = options.routingKey ?? ((_batch, source) => source.id);
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const target = redactUrl(url);
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let link: Link | undefined;
  let opening: Promise<Link> | undefined;
  const events = createEmitter<RabbitSinkEvents>();
  /** A link was lost and none opened since: the next one is a reconnection. */
  let down = false;

  const storageError = (what: string, error: unknown): StorageError =>
    error instanceof StorageError
      ? error
      : new StorageError(target, `${what}: ${describeError(error, url)}`);

  const drop = (dead: Link, error: Error): void => {
    if (!dead.alive) return;
    dead.alive = false;
    if (link === dead) {
      link = undefined;
      if (!closing.signal.aborted && !down) {
        down = true;
        // Next turn: a dying connection closes its channel before it says why it closed.
        setImmediate(() => events.emit('disconnected', dead.reason ?? error));
      }
    }
    void closeQuietly(dead.model);
  };

  async function open(): Promise<Link> {
    const model = await connectWithRetry({
      url,
      timeoutMs: reconnectTimeoutMs,
      signal: closing.signal,
      ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    });
    try {
      const channel = await model.createConfirmChannel();
      const publisher = confirmedPublisher(channel, confirmTimeoutMs);
      const opened: Link = { model, channel, publisher, bound: new Set(), alive: true };
      // Listening from the start: amqplib may emit `close` before an RPC's continuation runs.
      // A channel error (e.g. a deleted exchange) closes only the channel: start afresh.
      channel.on('error', () => undefined);
      channel.on('close', () => drop(opened, new Error('channel closed')));
      model.on('error', (error: Error) => (opened.reason ??= error));
      model.on('close', (error?: Error) => {
        if (error !== undefined) opened.reason ??= error;
        drop(opened, error ?? new Error('connection closed'));
      });
      await assertTopology(channel, { exchange, queue });
      if (closing.signal.aborted) throw new StorageError(target, 'sink closed while connecting');
      if (!opened.alive) throw new Error('connection lost while setting up');
      return opened;
    } catch (error) {
      await closeQuietly(model);
      throw storageError(`cannot set up exchange "${exchange}" and queue "${queue}"`, error);
    }
  }

  function current(): Promise<Link> {
    if (link !== undefined) return Promise.resolve(link);
    // Concurrent writes after a drop share one reconnection.
    opening ??= open()
      .then((opened) => {
        if (down) {
          down = false;
          events.emit('reconnected');
        }
        return (link = opened);
      })
      .finally(() => (opening = undefined));
    return opening;
  }

  async function publish(batch: RecordBatch, source: DataSource): Promise<void> {
    // Checked here as every adapter checks: a bad batch is refused to the synchronizer at
    // once (BatchRejectedError), instead of surfacing later in a consumer's dead-letter queue.
    toStoredRows(batch, source);
    const content = encodeBatch(batch);
    const properties = publishOptions(batch);
    const routingKey = routingKeyOf(batch, source);
    const active = await current();
    try {
      if (!active.bound.has(routingKey)) {
        await active.channel.bindQueue(queue, exchange, routingKey);
        active.bound.add(routingKey);
      }
      await active.publisher.publish(exchange, routingKey, content, properties);
    } catch (error) {
      throw storageError(`batch ${properties.messageId} not confirmed by RabbitMQ`, error);
    }
  }

  /** On a channel of its own: a failed look must not close the publishing one. */
  async function backlog(): Promise<SinkBacklog> {
    const active = await current();
    try {
      const channel = await active.model.createChannel();
      channel.on('error', () => undefined);
      try {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        return { queue, batches: messageCount, consumers: consumerCount };
      } finally {
        await channel.close().catch(() => undefined);
      }
    } catch (error) {
      throw storageError(`cannot look at queue "${queue}"`, error);
    }
  }

  const awaitStored = options.awaitStored ?? true;
  return {
    name: `rabbitmq:${target}#${exchange}`,
    exchange,
    queue,
    storedByConsumer: () => awaitStored,
    backlog: () => (closing.signal.aborted ? Promise.reject(closedError()) : backlog()),
    on: (event, listener) => events.on(event, listener),
    async ready() {
      if (closing.signal.aborted) throw closedError();
      await current();
    },
    write(batch, source) {
      if (closing.signal.aborted) return Promise.reject(closedError());
      const written = publish(batch, source);
      const tracked = written.catch(() => undefined).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return written;
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      // Writes already handed over still get their confirms (or their errors).
      await Promise.all(inFlight);
      await opening?.catch(() => undefined);
      const last = link;
      link = undefined;
      await closeQuietly(last?.model);
    },
  };
}

const closedError = (): DsyncError => new DsyncError('E_SINK_CLOSED', 'rabbitmq sink: closed');
