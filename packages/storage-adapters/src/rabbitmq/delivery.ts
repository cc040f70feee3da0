import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  batchIdempotencyKey,
  sleep,
  type DataSource,
  type CheckpointStore,
  type RecordBatch,
  type Sink,
} from '@dsync/datasource';
import { BatchRejectedError } from '../errors.js';
import { decodeBatch, HEADER_ATTEMPTS, HEADER_ERROR } from './codec.js';
import type { ConfirmedPublisher } from './confirm.js';

/** What the consumer can do with the message being handled. */
export interface DeliveryActions {
  /** False when the channel is gone: the broker will redeliver the message. */
  ack(): boolean;
  requeue(): boolean;
  /** Publishes the message to the dead-letter exchange (confirmed), then acks it. */
  deadLetter(reason: string, attempts: number): Promise<void>;
}

/** The channel a message came on, as long as it lives. */
export interface DeliveryChannel {
  readonly channel: ConfirmChannel;
  readonly publisher: ConfirmedPublisher;
  readonly alive: boolean;
}

/** Acks, requeues and dead-letters on the channel the message came on, never on a newer one. */
export function deliveryActions(
  link: DeliveryChannel,
  message: ConsumeMessage,
  deadLetterExchange: string,
): DeliveryActions {
  const settle = (how: (channel: ConfirmChannel) => void): boolean => {
    if (!link.alive) return false;
    try {
      how(link.channel);
      return true;
    } catch {
      return false; // the channel closed under us: the broker redelivers
    }
  };
  return {
    ack: () => settle((channel) => channel.ack(message)),
    requeue: () => settle((channel) => channel.nack(message, false, true)),
    async deadLetter(reason, attempts) {
      const { properties } = message;
      // mandatory: a dead letter that reaches no queue fails, and the original stays queued.
      await link.publisher.publish(deadLetterExchange, message.fields.routingKey, message.content, {
        persistent: true,
        mandatory: true,
        contentType: properties.contentType as string | undefined,
        messageId: properties.messageId as string | undefined,
        correlationId: properties.correlationId as string | undefined,
        timestamp: properties.timestamp as number | undefined,
        headers: { ...properties.headers, [HEADER_ERROR]: reason, [HEADER_ATTEMPTS]: attempts },
      });
      if (!settle((channel) => channel.ack(message)))
        throw new Error('channel closed before the ack');
    },
  };
}

export type Outcome =
  /** Stored and acked: `rows` rows written. */
  | { readonly kind: 'acked'; readonly id: string; readonly rows: number }
  | {
      readonly kind: 'retried';
      readonly id: string;
      readonly attempt: number;
      readonly error: unknown;
    }
  | { readonly kind: 'dead-lettered'; readonly id: string; readonly reason: string }
  /** The channel died before the message could be settled; the broker redelivers it. */
  | { readonly kind: 'abandoned'; readonly id: string };

export interface DeliveryContext {
  readonly sink: Sink;
  readonly sources: (id: string) => DataSource | undefined;
  /** Where a stored batch of a run is marked stored; a failure there retries the batch. */
  readonly receipts?: Pick<CheckpointStore, 'markStored'>;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly attempts: AttemptCounter;
  /** Aborted on close: a pending retry delay ends at once. */
  readonly signal: AbortSignal;
  /** Redacts secrets from error text that goes into a header. */
  readonly describe: (error: unknown) => string;
}

const MAX_REASON_LENGTH = 1_000;
const MAX_TRACKED = 10_000;

/**
 * Failed attempts per batch, in memory. Classic queues do not count redeliveries; quorum
 * queues send `x-delivery-count`, which is used when present so the count survives a
 * consumer restart.
 */
export class AttemptCounter {
  readonly #counts = new Map<string, number>();

  /** Records one more failed attempt and returns the total. */
  fail(id: string, message: ConsumeMessage): number {
    const delivered: unknown = message.properties.headers?.['x-delivery-count'];
    const byBroker = typeof delivered === 'number' ? delivered + 1 : 0;
    const count = Math.max((this.#counts.get(id) ?? 0) + 1, byBroker);
    this.#counts.delete(id);
    this.#counts.set(id, count);
    // Batches that another consumer finished are never forgotten otherwise: bound the map.
    if (this.#counts.size > MAX_TRACKED) {
      const oldest = this.#counts.keys().next();
      if (oldest.done !== true) this.#counts.delete(oldest.value);
    }
    return count;
  }

  forget(id: string): void {
    this.#counts.delete(id);
  }
}

// By code as well as class: a sink built against another copy of this package throws
// an equal error of a different class.
const isRejection = (error: unknown): boolean =>
  error instanceof BatchRejectedError ||
  (error instanceof Error && (error as { code?: unknown }).code === 'E_BAD_ROW');

const reasonOf = (prefix: string, error: unknown, ctx: DeliveryContext): string =>
  `${prefix}${ctx.describe(error)}`.slice(0, MAX_REASON_LENGTH);

/** Dead-letters and acks; if the channel died meanwhile, the message is left to redelivery. */
async function deadLetter(
  id: string,
  reason: string,
  attempts: number,
  actions: DeliveryActions,
): Promise<Outcome> {
  try {
    await actions.deadLetter(reason, attempts);
    return { kind: 'dead-lettered', id, reason };
  } catch {
    return { kind: 'abandoned', id };
  }
}

/**
 * Handles one delivery: decode, find the source, write to the sink, mark it stored in its
 * run (when it names one), ack only after both resolved. Permanent failures (undecodable, unknown source, `BatchRejectedError`) are
 * dead-lettered at once; others are requeued after `retryDelayMs` until `maxAttempts`.
 */
export async function handleDelivery(
  message: ConsumeMessage,
  ctx: DeliveryContext,
  actions: DeliveryActions,
): Promise<Outcome> {
  const fallbackId = String(
    message.properties.messageId ?? `delivery ${message.fields.deliveryTag}`,
  );
  let batch: RecordBatch;
  try {
    batch = decodeBatch(message.content, message.properties.contentType);
  } catch (error) {
    return deadLetter(fallbackId, reasonOf('', error, ctx), 1, actions);
  }
  const id = batchIdempotencyKey(batch);
  try {
    // Inside the try: a registry lookup that throws is retried like a failed write, and
    // never leaves the message unsettled.
    const source = ctx.sources(batch.sourceId);
    if (source === undefined)
      return await deadLetter(id, `unknown source "${batch.sourceId}"`, 1, actions);
    await ctx.sink.write(batch, source);
    const runId: unknown = message.properties.correlationId;
    if (ctx.receipts !== undefined && typeof runId === 'string')
      await ctx.receipts.markStored({ runId, sourceId: batch.sourceId, key: batch.argsKey });
  } catch (error) {
    const attempt = ctx.attempts.fail(id, message);
    if (isRejection(error)) {
      ctx.attempts.forget(id);
      return deadLetter(id, reasonOf('', error, ctx), attempt, actions);
    }
    if (attempt >= ctx.maxAttempts) {
      ctx.attempts.forget(id);
      return deadLetter(id, reasonOf(`failed ${attempt} times: `, error, ctx), attempt, actions);
    }
    // Requeueing at once would spin on a downstream that is down for a while.
    await sleep(ctx.retryDelayMs, ctx.signal);
    return actions.requeue() ? { kind: 'retried', id, attempt, error } : { kind: 'abandoned', id };
  }
  ctx.attempts.forget(id);
  return actions.ack() ? { kind: 'acked', id, rows: batch.rows.length } : { kind: 'abandoned', id };
}
