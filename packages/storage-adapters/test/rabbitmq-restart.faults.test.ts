import { describe, expect, it } from '@jest/globals';
import type { RecordBatch } from '@dsync/datasource';
import { StorageError } from '../src/errors.js';
import { createMemorySink } from '../src/memory-sink.js';
import { consume } from '../src/rabbitmq/consumer.js';
import { createRabbitSink } from '../src/rabbitmq/sink.js';
import {
  dailyBatch,
  dailySource,
  deleteTopology,
  expectedRows,
  RABBITMQ_URL,
  rabbitmqctl,
  raiseMemoryAlarm,
  requireService,
  sleep,
  sortRows,
  topologyNames,
  useBroker,
  waitFor,
  withChannel,
} from './services.js';

const source = dailySource();

useBroker();

describe('RabbitMQ delivery across a broker restart', () => {
  it('loses nothing and stores nothing twice when the broker restarts mid-stream', async () => {
    const names = topologyNames();
    const memory = createMemorySink();
    const producer = createRabbitSink({ url: RABBITMQ_URL, ...names, reconnectTimeoutMs: 20_000 });
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: memory,
      sources: (id) => (id === source.id ? source : undefined),
      retryDelayMs: 50,
    });
    const seen = { disconnected: 0, reconnected: 0, rejectedWrites: 0 };
    consumer.on('disconnected', () => (seen.disconnected += 1));
    consumer.on('reconnected', () => (seen.reconnected += 1));
    const written: RecordBatch[] = [];
    // As the synchronizer does: a rejected write leaves the task pending, and it is tried again.
    const writeUntilConfirmed = async (batch: RecordBatch): Promise<void> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await producer.write(batch, source);
          written.push(batch);
          return;
        } catch (error) {
          if (!(error instanceof StorageError) || attempt === 10) throw error;
          seen.rejectedWrites += 1;
          await sleep(100);
        }
      }
    };
    let restarted = false;
    let restart: Promise<void> | undefined;
    let next = 0;
    // Four writers side by side, as the synchronizer's fetchers are: some write is in flight
    // when the broker goes away.
    const stream = (until: () => boolean, pauseMs = 0) =>
      Promise.all(
        [1, 2, 3, 4].map(async () => {
          while (!until()) {
            await writeUntilConfirmed(dailyBatch(next++, source));
            if (pauseMs > 0) await sleep(pauseMs);
          }
        }),
      );
    try {
      await consumer.ready();
      await producer.ready();
      await stream(() => next >= 50);
      restart = (async () => {
        await rabbitmqctl('stop_app');
        await sleep(500);
        await rabbitmqctl('start_app');
      })().finally(() => (restarted = true));
      await stream(() => restarted, 20);
      await restart;
      const last = next + 50;
      await stream(() => next >= last);
      const total = next;

      await waitFor(() => memory.rows(source.id).length === 5 * total, `${5 * total} rows`, 30_000);
      expect(written).toHaveLength(total);
      expect(sortRows(memory.rows(source.id), source)).toEqual(expectedRows(written, source));
      expect(seen.disconnected).toBeGreaterThanOrEqual(1);
      expect(seen.reconnected).toBeGreaterThanOrEqual(1);
      expect(consumer.stats().deadLettered).toBe(0);
    } finally {
      await restart?.catch(() => undefined);
      await rabbitmqctl('start_app'); // leave the broker running whatever happened
      await requireService(RABBITMQ_URL, 30_000);
      await consumer.close();
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 60_000);

  it('rejects a write in flight when its connection dies, and the next write reconnects', async () => {
    const names = topologyNames();
    const producer = createRabbitSink({ url: RABBITMQ_URL, ...names });
    let restore: (() => Promise<void>) | undefined;
    try {
      await producer.ready();
      restore = await raiseMemoryAlarm();
      let settled = false;
      const inFlight = producer
        .write(dailyBatch(0, source), source)
        .finally(() => (settled = true));
      // The broker no longer reads the publish, so no confirm can come while the alarm lasts.
      await sleep(300);
      expect(settled).toBe(false);
      await rabbitmqctl('close_all_connections', 'dsync test: connection dies mid-write');
      await expect(inFlight).rejects.toBeInstanceOf(StorageError);
      await expect(inFlight).rejects.toThrow(/not confirmed by RabbitMQ/);
      await restore();
      restore = undefined;

      await producer.write(dailyBatch(1, source), source);
      const { messageCount } = await withChannel(RABBITMQ_URL, (c) => c.checkQueue(names.queue));
      // Batch 0 may or may not have reached the queue: without a confirm, nobody may count on it.
      expect([1, 2]).toContain(messageCount);
    } finally {
      await restore?.();
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 60_000);
});
