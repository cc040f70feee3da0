import { describe, expect, it } from '@jest/globals';
import { batchIdempotencyKey } from '@dsync/datasource';
import { createMemorySink } from '../src/memory-sink.js';
import { StorageError } from '../src/errors.js';
import { consume } from '../src/rabbitmq/consumer.js';
import { createRabbitSink } from '../src/rabbitmq/sink.js';
import {
  dailyBatch,
  dailySource,
  deleteTopology,
  expectedRows,
  RABBITMQ_URL,
  sortRows,
  topologyNames,
  uniqueName,
  useBroker,
  waitFor,
  withChannel,
} from './services.js';

const source = dailySource();

useBroker();

/** A fresh exchange and queue for one test; deleted by `cleanup`. */
const topology = () => {
  const names = topologyNames();
  return { names, cleanup: () => deleteTopology(RABBITMQ_URL, names) };
};

describe('createRabbitSink → consume → memory sink', () => {
  it('delivers 200 batches exactly, each with its id and headers', async () => {
    const { names, cleanup } = topology();
    const sink = createRabbitSink({ url: RABBITMQ_URL, ...names });
    const memory = createMemorySink();
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: memory,
      sources: (id) => (id === source.id ? source : undefined),
    });
    try {
      const batches = Array.from({ length: 200 }, (_, i) => dailyBatch(i, source));
      await sink.ready();
      for (let i = 0; i < batches.length; i += 20)
        await Promise.all(batches.slice(i, i + 20).map((batch) => sink.write(batch, source)));

      const first = await withChannel(RABBITMQ_URL, async (channel) => {
        const message = await channel.get(names.queue, { noAck: false });
        if (message !== false) channel.nack(message, false, true);
        return message;
      });
      expect(first).not.toBe(false);
      if (first === false) return;
      expect(first.properties).toMatchObject({
        messageId: batchIdempotencyKey(dailyBatch(0, source)),
        contentType: 'application/json',
        deliveryMode: 2,
        headers: {
          'x-dsync-source': 'tushare.daily',
          'x-dsync-schema-version': source.schemaVersion,
        },
      });
      expect(first.fields.routingKey).toBe('tushare.daily');
      expect(JSON.parse(first.content.toString('utf8'))).toMatchObject({
        columns: batches[0]?.columns,
        rows: batches[0]?.rows,
      });

      await consumer.ready();
      await waitFor(() => consumer.stats().acked === 200, '200 acks');
      expect(sortRows(memory.rows(source.id), source)).toEqual(expectedRows(batches, source));
      expect(memory.rows(source.id)).toHaveLength(1000);
      expect(consumer.stats()).toMatchObject({ deadLettered: 0, retried: 0 });
    } finally {
      await consumer.close();
      await sink.close();
      await cleanup();
    }
  }, 60_000);

  it('a batch published twice leaves the rows unchanged; both deliveries are consumed', async () => {
    const { names, cleanup } = topology();
    const sink = createRabbitSink({ url: RABBITMQ_URL, ...names });
    const memory = createMemorySink();
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: memory,
      sources: () => source,
    });
    try {
      await consumer.ready();
      await sink.write(dailyBatch(7, source), source);
      await waitFor(() => consumer.stats().acked === 1, 'the first delivery');
      const once = memory.rows(source.id);
      await sink.write(dailyBatch(7, source), source);
      await waitFor(() => consumer.stats().acked === 2, 'the second delivery');
      expect(memory.rows(source.id)).toEqual(once);
      expect(consumer.stats()).toMatchObject({ consumed: 2, acked: 2 });
    } finally {
      await consumer.close();
      await sink.close();
      await cleanup();
    }
  }, 30_000);
});

describe('createRabbitSink failures', () => {
  it('rejects a write the broker nacks, and one whose channel dies; the next write reconnects', async () => {
    const { names, cleanup } = topology();
    const full = uniqueName('dsync.test.full');
    const sink = createRabbitSink({ url: RABBITMQ_URL, ...names });
    try {
      await sink.write(dailyBatch(0, source), source);
      // A second queue that refuses everything makes the broker nack the publish.
      await withChannel(RABBITMQ_URL, async (channel) => {
        await channel.assertQueue(full, { maxLength: 0, overflow: 'reject-publish' });
        await channel.bindQueue(full, names.exchange, source.id);
      });
      const nacked = sink.write(dailyBatch(1, source), source);
      await expect(nacked).rejects.toBeInstanceOf(StorageError);
      await expect(nacked).rejects.toThrow(/nack/);
      await withChannel(RABBITMQ_URL, (channel) => channel.deleteQueue(full));

      // Publishing to a deleted exchange makes the broker close the channel.
      await withChannel(RABBITMQ_URL, (channel) => channel.deleteExchange(names.exchange));
      await expect(sink.write(dailyBatch(2, source), source)).rejects.toBeInstanceOf(StorageError);

      await sink.write(dailyBatch(3, source), source);
      const stored = await withChannel(RABBITMQ_URL, (channel) => channel.checkQueue(names.queue));
      // Batch 1 was nacked because one queue refused it, yet the main queue took it: 0, 1, 3.
      expect(stored.messageCount).toBe(3);
    } finally {
      await sink.close();
      await cleanup();
    }
  }, 30_000);

  it('rejects writes after close', async () => {
    const { names, cleanup } = topology();
    const sink = createRabbitSink({ url: RABBITMQ_URL, ...names });
    await sink.ready();
    await sink.close();
    await expect(sink.write(dailyBatch(0, source), source)).rejects.toMatchObject({
      code: 'E_SINK_CLOSED',
    });
    await cleanup();
  });

  it('never shows the password: not in the name, not when unreachable, not when refused', async () => {
    const sink = createRabbitSink({
      url: 'amqp://guest:guest@127.0.0.1:1',
      reconnectTimeoutMs: 300,
    });
    expect(sink.name).toBe('rabbitmq:amqp://guest:***@127.0.0.1:1#dsync.batches');
    const unreachable = await sink.write(dailyBatch(0, source), source).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(StorageError);
    const text = String((unreachable as Error).message);
    expect(text).toContain('RabbitMQ unreachable at amqp://guest:***@127.0.0.1:1');
    expect(text).not.toContain('guest:guest');
    await sink.close();

    const secret = 's3cret-Pa55';
    const refused = createRabbitSink({ url: `amqp://guest:${secret}@127.0.0.1:5672` });
    const error = await refused.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/refused the login at amqp:\/\/guest:\*\*\*@/);
    expect(`${(error as Error).message} ${refused.name}`).not.toContain(secret);
    await refused.close();
  }, 30_000);
});
