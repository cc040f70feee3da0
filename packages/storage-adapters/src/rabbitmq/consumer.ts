import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  DsyncError,
  redactUrl,
  sleep,
  type CheckpointStore,
  type DataSource,
  type Sink,
} from '@dsync/datasource';
import { StorageError } from '../errors.js';
import { HEADER_SOURCE } from './codec.js';
import { confirmedPublisher, type ConfirmedPublisher } from './confirm.js';
import { closeQuietly, connectWithRetry, DEFAULT_RECONNECT_TIMEOUT_MS } from './connection.js';
import { AttemptCounter, deliveryActions, handleDelivery, type Outcome } from './delivery.js';
import { createEmitter } from './events.js';
import { describeError } from './describe-error.js';
import { assertQueues, deadLetterName, DEFAULT_QUEUE } from './topology.js';

export interface ConsumerOptions {
  /** `amqp://user:pass@host:5672/vhost`; the password never appears in errors. */
  readonly url: string;
  /** @default 'dsync.batches' */
  readonly queue?: string;
  /** Unacked batches the broker hands over at a time. @default 16 */
  readonly prefetch?: number;
  /** Where batches are written; the consumer does not close it. */
  readonly sink: Sink;
  /** The definition of a source id; `undefined` dead-letters the batch. */
  readonly sources: (id: string) => DataSource | undefined;
  /**
   * The ledger the batches' runs are in: each stored batch that names its run (its
   * `correlationId`) is marked stored there, which a distributed sync waits for before it
   * moves a source's cursor. Without it nothing is marked, and such a sync waits in vain.
   */
  readonly receipts?: Pick<CheckpointStore, 'markStored'>;
  /** Failed writes of one batch before it is dead-lettered. @default 5 */
  readonly maxAttempts?: number;
  /** Pause before a failed batch is requeued. @default 1000 */
  readonly retryDelayMs?: number;
  /** How long `ready` tries to connect; after a lost connection it retries until `close`. @default 30000 */
  readonly reconnectTimeoutMs?: number;
  /** How long `close` waits for writes in progress to finish and be acked. @default 10000 */
  readonly closeTimeoutMs?: number;
  /** The connection's name on the broker (`client_properties`). @default 'dsync' */
  readonly connectionName?: string;
}

export interface ConsumerStats {
  /** Deliveries received, redeliveries included. */
  readonly consumed: number;
  readonly acked: number;
  /** Rows of the batches acked (stored). */
  readonly rows: number;
  readonly deadLettered: number;
  /** Failed writes requeued for another attempt. */
  readonly retried: number;
  /**
   * Deliveries that went back to the queue unsettled: lost with their channel, or still held
   * when `close` gave up waiting for them. The broker hands each of them out again.
   */
  readonly returned: number;
}

export interface ConsumerEvents {
  acked: [id: string, rows: number];
  retried: [id: string, attempt: number, error: unknown];
  'dead-lettered': [id: string, reason: string];
  /** The connection was lost; the consumer is reconnecting. */
  disconnected: [error: Error];
  reconnected: [];
  /** A reconnection round failed; the consumer keeps trying until `close`. */
  error: [error: Error];
}

export interface Consumer {
  /** Connects and starts consuming; idempotent. */
  ready(): Promise<void>;
  /** Stops consuming, waits (bounded) for writes in progress, disconnects; unacked batches return to the queue. */
  close(): Promise<void>;
  stats(): ConsumerStats;
  /** Deliveries taken and not settled yet: being written, or waiting behind a write. */
  held(): number;
  /**
   * Batches waiting in the queue, not counting those delivered and unacknowledged.
   * @throws StorageError while the consumer is not connected
   */
  depth(): Promise<number>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof ConsumerEvents>(
    event: E,
    listener: (...args: ConsumerEvents[E]) => void,
  ): () => void;
}

interface Link {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly publisher: ConfirmedPublisher;
  alive: boolean;
  consumerTag?: string;
  /** What the connection said when it went (the broker's reason), for the event. */
  reason?: Error;
}

/**
 * Takes batches off the queue and writes them to `sink`, acking each only after the write
 * resolved, so a crash anywhere before leaves the batch in the queue. Batches of one source
 * are written in delivery order, one at a time; different sources proceed side by side.
 */
export function consume(options: ConsumerOptions): Consumer {
  const { url, sink, sources } = options;
  const queue = options.queue ?? DEFAULT_QUEUE;
  const prefetch = options.prefetch ?? 16;
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const target = redactUrl(url);
  const closing = new AbortController();
  const events = createEmitter<ConsumerEvents>();
  const counts = { consumed: 0, acked: 0, rows: 0, deadLettered: 0, retried: 0, returned: 0 };
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  /** Deliveries taken and not yet counted by their outcome: each is counted once. */
  const unsettled = new Set<{ counted: boolean }>();
  const context = {
    sink,
    sources,
    ...(options.receipts === undefined ? {} : { receipts: options.receipts }),
    maxAttempts: options.maxAttempts ?? 5,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    attempts: new AttemptCounter(),
    signal: closing.signal,
    describe: (error: unknown) => describeError(error, url),
  };
  let link: Link | undefined;
  let starting: Promise<void> | undefined;
  let reconnecting: Promise<void> | undefined;

  function lost(dead: Link, error: Error): void {
    if (!dead.alive) return;
    dead.alive = false;
    void closeQuietly(dead.model);
    // A link still being set up fails its own open(); only the installed one reconnects.
    if (link !== dead || closing.signal.aborted) return;
    link = undefined;
    // Next turn: a dying connection closes its channel before it says why it closed.
    setImmediate(() => events.emit('disconnected', dead.reason ?? error));
    reconnecting ??= reconnect().finally(() => (reconnecting = undefined));
  }

  async function reconnect(): Promise<void> {
    while (!closing.signal.aborted) {
      try {
        link = await open();
        events.emit('reconnected');
        return;
      } catch (error) {
        if (closing.signal.aborted) return;
        events.emit('error', error instanceof Error ? error : new Error(String(error)));
        await sleep(1_000, closing.signal);
      }
    }
  }

  function record(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'acked':
        counts.acked += 1;
        counts.rows += outcome.rows;
        return events.emit('acked', outcome.id, outcome.rows);
      case 'retried':
        counts.retried += 1;
        return events.emit('retried', outcome.id, outcome.attempt, outcome.error);
      case 'dead-lettered':
        counts.deadLettered += 1;
        return events.emit('dead-lettered', outcome.id, outcome.reason);
      case 'abandoned':
        counts.returned += 1;
        return;
    }
  }

  function onMessage(active: Link, message: ConsumeMessage | null): void {
    // null: the broker cancelled the consumer (queue deleted); reconnecting redeclares it.
    if (message === null)
      return lost(active, new Error(`consumer of "${queue}" cancelled by the broker`));
    counts.consumed += 1;
    const header: unknown = message.properties.headers?.[HEADER_SOURCE];
    const key = typeof header === 'string' ? header : message.fields.routingKey;
    const entry = { counted: false };
    unsettled.add(entry);
    const settle = (outcome: Outcome): void => {
      unsettled.delete(entry);
      if (entry.counted) return; // counted as returned when close gave up on it
      entry.counted = true;
      record(outcome);
    };
    const run = async (): Promise<void> => {
      // Queued behind a batch whose channel died: the broker redelivers this one too.
      if (!active.alive)
        return settle({ kind: 'abandoned', id: String(message.fields.deliveryTag) });
      settle(
        await handleDelivery(
          message,
          context,
          deliveryActions(active, message, deadLetterName(queue)),
        ),
      );
    };
    const next = (chains.get(key) ?? Promise.resolve()).then(run).catch((error: unknown) => {
      unsettled.delete(entry);
      events.emit('error', error instanceof Error ? error : new Error(String(error)));
    });
    chains.set(key, next);
    inFlight.add(next);
    void next.finally(() => {
      inFlight.delete(next);
      if (chains.get(key) === next) chains.delete(key);
    });
  }

  async function open(): Promise<Link> {
    const model = await connectWithRetry({
      url,
      timeoutMs: reconnectTimeoutMs,
      signal: closing.signal,
      ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    });
    let setup: Link | undefined;
    try {
      const channel = await model.createConfirmChannel();
      const opened: Link = { model, channel, publisher: confirmedPublisher(channel), alive: true };
      setup = opened;
      // Listening from the start: amqplib may emit `close` before an RPC's continuation runs.
      channel.on('error', () => undefined);
      channel.on('close', () => lost(opened, new Error('channel closed')));
      model.on('error', (error: Error) => (opened.reason ??= error));
      model.on('close', (error?: Error) => {
        if (error !== undefined) opened.reason ??= error;
        lost(opened, error ?? new Error('connection closed'));
      });
      await assertQueues(channel, queue);
      await channel.prefetch(prefetch);
      if (closing.signal.aborted)
        throw new StorageError(target, 'consumer closed while connecting');
      const { consumerTag } = await channel.consume(queue, (message) => onMessage(opened, message));
      opened.consumerTag = consumerTag;
      if (!opened.alive) throw new Error('connection lost while setting up');
      return opened;
    } catch (error) {
      if (setup !== undefined) setup.alive = false;
      await closeQuietly(model);
      if (error instanceof StorageError) throw error;
      throw new StorageError(target, `cannot consume "${queue}": ${describeError(error, url)}`);
    }
  }

  return {
    ready() {
      if (closing.signal.aborted)
        return Promise.reject(new DsyncError('E_CLOSED', 'consumer: closed'));
      starting ??= (async () => {
        await sink.ready();
        link = await open();
      })().catch((error: unknown) => {
        starting = undefined; // let a later ready() try again
        throw error;
      });
      return starting;
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      const active = link;
      if (active?.consumerTag !== undefined && active.alive)
        await active.channel.cancel(active.consumerTag).catch(() => undefined);
      const timeout = new AbortController();
      await Promise.race([Promise.allSettled(inFlight), sleep(closeTimeoutMs, timeout.signal)]);
      timeout.abort();
      await starting?.catch(() => undefined);
      await reconnecting;
      // Still unsettled: their channel closes below, and the broker hands them out again.
      for (const entry of unsettled) {
        entry.counted = true;
        counts.returned += 1;
      }
      unsettled.clear();
      for (const open of [active, link]) {
        if (open === undefined) continue;
        open.alive = false; // late writes must not ack on a closing channel
        await closeQuietly(open.model);
      }
      link = undefined;
    },
    stats: () => ({ ...counts }),
    held: () => unsettled.size,
    async depth() {
      const active = link;
      if (active === undefined || !active.alive)
        throw new StorageError(target, `cannot count the batches of "${queue}": not connected`);
      try {
        return (await active.channel.checkQueue(queue)).messageCount;
      } catch (error) {
        throw new StorageError(
          target,
          `cannot count the batches of "${queue}": ${describeError(error, url)}`,
        );
      }
    },
    on: (event, listener) => events.on(event, listener),
  };
}
