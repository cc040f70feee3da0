import { describe, expect, it } from '@jest/globals';
import type { DataSource, RecordBatch, Sink } from '@dsync/datasource';
import { createMemorySink } from '../src/memory-sink.js';
import { consume } from '../src/rabbitmq/consumer.js';
import { createRabbitSink } from '../src/rabbitmq/sink.js';
import {
  closeConnectionsNamed,
  dailyBatch,
  dailySource,
  deleteTopology,
  RABBITMQ_URL,
  topologyNames,
  uniqueName,
  useBroker,
  waitFor,
} from './services.js';

const source = dailySource();
const sources = (id: string): DataSource | undefined => (id === source.id ? source : undefined);

useBroker();

/** A sink whose writes wait until `release()`: batches stay in the consumer's hands. */
function heldSink(): { sink: Sink; writing: () => number; release: () => void } {
  const memory = createMemorySink();
  let writing = 0;
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (open = resolve));
  return {
    sink: {
      name: 'held',
      ready: () => memory.ready(),
      close: () => memory.close(),
      async write(batch: RecordBatch, s: DataSource) {
        writing += 1;
        await gate;
        await memory.write(batch, s);
      },
    },
    writing: () => writing,
    release: () => {
      open();
      gate = Promise.resolve();
    },
  };
}

describe('RabbitMQ connection events', () => {
  it('the sink tells the loss of its connection, and its return at the next write', async () => {
    const names = topologyNames();
    const connectionName = uniqueName('dsync.test.sink');
    const sink = createRabbitSink({ url: RABBITMQ_URL, ...names, connectionName });
    const told: string[] = [];
    sink.on('disconnected', (error) => told.push(`disconnected: ${error.message}`));
    sink.on('reconnected', () => told.push('reconnected'));
    try {
      await sink.write(dailyBatch(0, source), source);
      expect(await closeConnectionsNamed(connectionName, 'dsync test: the sink loses it')).toBe(1);
      await waitFor(() => told.length === 1, 'the loss told');
      expect(told).toEqual([expect.stringMatching(/^disconnected: .*the sink loses it/)]);
      await sink.write(dailyBatch(1, source), source);
      expect(told.slice(1)).toEqual(['reconnected']);
      // Closing on purpose is no outage.
      await sink.close();
      expect(told).toHaveLength(2);
    } finally {
      await sink.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 30_000);

  it('the consumer tells its loss and return, counts the batches it lost and those it held at close, and counts rows and depth', async () => {
    const names = topologyNames();
    const connectionName = uniqueName('dsync.test.consumer');
    const producer = createRabbitSink({ url: RABBITMQ_URL, ...names });
    const held = heldSink();
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: held.sink,
      sources,
      prefetch: 2,
      connectionName,
      closeTimeoutMs: 200,
    });
    const told: string[] = [];
    consumer.on('disconnected', () => told.push('disconnected'));
    consumer.on('reconnected', () => told.push('reconnected'));
    try {
      await consumer.ready();
      for (let i = 0; i < 5; i++) await producer.write(dailyBatch(i, source), source);
      // Two in hand (its prefetch): one being written, the other waiting behind it (one source).
      await waitFor(() => consumer.held() === 2 && held.writing() === 1, 'two batches in hand');
      expect(await consumer.depth()).toBe(3);
      expect(await closeConnectionsNamed(connectionName, 'dsync test: the consumer loses it')).toBe(
        1,
      );
      await waitFor(() => told.length === 2, 'the loss and the return told');
      expect(told).toEqual(['disconnected', 'reconnected']);
      // Both went back to the queue and came again on the new channel, behind the write still
      // under way on the dead one: four in hand until it ends.
      await waitFor(() => consumer.held() === 4, 'the two again, on the new channel');
      held.release();
      await waitFor(() => consumer.stats().acked === 5, 'every batch stored');
      const rows = dailyBatch(0, source).rows.length;
      // The batch written on the dead channel could not be acked: it went back, and was stored again.
      expect(consumer.stats()).toEqual({
        consumed: 7,
        acked: 5,
        rows: 5 * rows,
        deadLettered: 0,
        retried: 0,
        returned: 2,
      });
      expect(await consumer.depth()).toBe(0);
    } finally {
      await consumer.close();
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 30_000);

  it('a consumer closed with batches in hand counts them returned, once', async () => {
    const names = topologyNames();
    const producer = createRabbitSink({ url: RABBITMQ_URL, ...names });
    const held = heldSink();
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: held.sink,
      sources,
      prefetch: 3,
      closeTimeoutMs: 200,
    });
    try {
      await consumer.ready();
      for (let i = 0; i < 3; i++) await producer.write(dailyBatch(i, source), source);
      await waitFor(() => consumer.held() === 3, 'three batches in hand');
      await consumer.close();
      expect(consumer.stats()).toMatchObject({ acked: 0, returned: 3 });
      // The write it gave up on ends after the close: its ack cannot go, and it is not counted again.
      held.release();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(consumer.stats()).toMatchObject({ acked: 0, returned: 3 });
      expect(consumer.held()).toBe(0);
    } finally {
      await consumer.close();
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 30_000);
});
