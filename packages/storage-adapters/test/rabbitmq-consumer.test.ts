import { describe, expect, it } from '@jest/globals';
import type { DataSource, RecordBatch, Sink } from '@dsync/datasource';
import { BatchRejectedError, StorageError } from '../src/errors.js';
import { createMemorySink } from '../src/memory-sink.js';
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
  useBroker,
  waitFor,
  withChannel,
} from './services.js';

const source = dailySource();
const sources = (id: string): DataSource | undefined => (id === source.id ? source : undefined);

useBroker();

/** A sink that passes writes to `inner`, then does what `after` says. */
const wrapping = (inner: Sink, after: (batch: RecordBatch) => Promise<void>): Sink => ({
  name: 'test',
  ready: () => inner.ready(),
  close: () => inner.close(),
  async write(batch, s) {
    await inner.write(batch, s);
    await after(batch);
  },
});

const setup = () => {
  const names = topologyNames();
  const producer = createRabbitSink({ url: RABBITMQ_URL, ...names });
  return {
    names,
    producer,
    cleanup: async () => {
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    },
  };
};

describe('consume', () => {
  it('marks each stored batch of a run stored in that run, after the write and before the ack; a failed mark retries the batch', async () => {
    const { names, producer, cleanup } = setup();
    const memory = createMemorySink();
    const marks: { runId: string; sourceId: string; key: string; written: boolean }[] = [];
    let refuse = 1;
    const receipts = {
      markStored(receipt: { runId: string; sourceId: string; key: string }) {
        // Once: the ledger out of reach; the batch is tried again, its rows upserted again.
        if (refuse-- > 0) return Promise.reject(new StorageError('db://ledger', 'gone'));
        // After the write: the batch's rows are there when it is marked.
        const day = receipt.key.slice(-8);
        const written = memory
          .rows(source.id)
          .some((row) => String(row['trade_date']).replaceAll('-', '') === day);
        marks.push({ ...receipt, written });
        return Promise.resolve();
      },
    };
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: memory,
      sources,
      receipts,
      retryDelayMs: 20,
    });
    try {
      // Nobody consumes yet: what waits, and that no storing worker is there.
      await producer.write({ ...dailyBatch(1, source), runId: 'run-a' }, source);
      expect(await producer.backlog()).toEqual({ queue: names.queue, batches: 1, consumers: 0 });
      await consumer.ready();
      await producer.write({ ...dailyBatch(2, source), runId: 'run-b' }, source);
      // A batch of no run (a program's own) is stored, and nothing is marked for it.
      await producer.write(dailyBatch(3, source), source);
      await waitFor(() => consumer.stats().acked === 3, 'three batches acked');
      expect(consumer.stats()).toEqual({
        consumed: 4,
        acked: 3,
        retried: 1,
        deadLettered: 0,
        returned: 0,
        rows: 15,
      });
      // The refused mark's batch went back to the queue, behind the others.
      expect(marks.sort((a, b) => a.runId.localeCompare(b.runId))).toEqual([
        { runId: 'run-a', sourceId: source.id, key: dailyBatch(1, source).argsKey, written: true },
        { runId: 'run-b', sourceId: source.id, key: dailyBatch(2, source).argsKey, written: true },
      ]);
      expect(await producer.backlog()).toEqual({ queue: names.queue, batches: 0, consumers: 1 });
      expect(sortRows(memory.rows(source.id), source)).toEqual(
        expectedRows(
          [1, 2, 3].map((n) => dailyBatch(n, source)),
          source,
        ),
      );
    } finally {
      await consumer.close();
      await cleanup();
    }
  }, 30_000);

  it('a batch not acked before the consumer dies is redelivered to the next one', async () => {
    const { names, producer, cleanup } = setup();
    const memory = createMemorySink();
    // Writes, then never resolves: the consumer dies between the write and the ack.
    const hanging = wrapping(memory, () => new Promise<void>(() => undefined));
    const first = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: hanging,
      sources,
      closeTimeoutMs: 100,
    });
    const second = consume({ url: RABBITMQ_URL, queue: names.queue, sink: memory, sources });
    try {
      await first.ready();
      await producer.write(dailyBatch(1, source), source);
      await waitFor(() => memory.rows(source.id).length === 5, 'the first write');
      await first.close();
      expect(first.stats()).toMatchObject({ consumed: 1, acked: 0 });

      await second.ready();
      await waitFor(() => second.stats().acked === 1, 'the redelivered batch');
      expect(sortRows(memory.rows(source.id), source)).toEqual(
        expectedRows([dailyBatch(1, source)], source),
      );
      const left = await withChannel(RABBITMQ_URL, (channel) => channel.checkQueue(names.queue));
      expect(left.messageCount).toBe(0);
    } finally {
      await second.close();
      await cleanup();
    }
  }, 30_000);

  it('retries a failing write, then dead-letters it after maxAttempts', async () => {
    const { names, producer, cleanup } = setup();
    const memory = createMemorySink();
    let failures = 0;
    // Batch 1 fails twice then succeeds; batch 2 always fails after writing.
    const flaky = wrapping(memory, (batch) =>
      batch.argsKey === dailyBatch(2, source).argsKey || failures++ < 2
        ? Promise.reject(new StorageError('db://test', 'connection reset'))
        : Promise.resolve(),
    );
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: flaky,
      sources,
      maxAttempts: 3,
      retryDelayMs: 20,
    });
    try {
      await consumer.ready();
      await producer.write(dailyBatch(1, source), source);
      await waitFor(() => consumer.stats().acked === 1, 'batch 1 after two retries');
      await producer.write(dailyBatch(2, source), source);
      await waitFor(() => consumer.stats().deadLettered === 1, 'batch 2 dead-lettered');
      expect(consumer.stats()).toEqual({
        consumed: 6,
        acked: 1,
        rows: dailyBatch(1, source).rows.length,
        retried: 4,
        deadLettered: 1,
        returned: 0,
      });

      const dead = await withChannel(RABBITMQ_URL, (channel) =>
        channel.get(`${names.queue}.dead`, { noAck: true }),
      );
      expect(dead).not.toBe(false);
      if (dead === false) return;
      expect(dead.properties.messageId).toBe('tushare.daily|daily?trade_date=20240104|0');
      expect(dead.properties.headers).toMatchObject({
        'x-dsync-error': expect.stringMatching(/^failed 3 times: .*connection reset/),
        'x-dsync-attempts': 3,
        'x-dsync-source': 'tushare.daily',
      });
      // Written (upsert) more than once, stored once.
      expect(sortRows(memory.rows(source.id), source)).toEqual(
        expectedRows([dailyBatch(1, source), dailyBatch(2, source)], source),
      );
    } finally {
      await consumer.close();
      await cleanup();
    }
  }, 30_000);

  it('dead-letters poison batches at once with x-dsync-error; the others go on', async () => {
    const { names, producer, cleanup } = setup();
    const memory = createMemorySink();
    const stranger: DataSource = { ...source, id: 'tushare.stranger' };
    // Refuses batch 3 whole, as a real sink refuses a bad row: nothing of it is written.
    const picky: Sink = {
      ...memory,
      write: (batch, s) =>
        batch.argsKey === dailyBatch(3, source).argsKey
          ? Promise.reject(new BatchRejectedError(source.id, 0, 'close', 'refused by the test'))
          : memory.write(batch, s),
    };
    const consumer = consume({ url: RABBITMQ_URL, queue: names.queue, sink: picky, sources });
    const good = [0, 1, 2, 4, 5].map((i) => dailyBatch(i, source));
    try {
      await producer.write(dailyBatch(9, stranger), stranger);
      await producer.write(dailyBatch(3, source), source);
      await withChannel(RABBITMQ_URL, async (channel) => {
        channel.publish(names.exchange, source.id, Buffer.from('{"not":"a batch"'), {
          contentType: 'application/json',
        });
        channel.publish(names.exchange, source.id, Buffer.from('{}'), {
          contentType: 'text/plain',
        });
        await channel.checkQueue(names.queue); // a round trip, so the publishes are through
      });
      for (const batch of good) await producer.write(batch, source);
      await consumer.ready();
      await waitFor(
        () => consumer.stats().acked === good.length && consumer.stats().deadLettered === 4,
        'all batches settled',
      );
      expect(consumer.stats()).toMatchObject({ consumed: 9, retried: 0 });

      const errors = await withChannel(RABBITMQ_URL, async (channel) => {
        const found: string[] = [];
        for (
          let m = await channel.get(`${names.queue}.dead`);
          m !== false;
          m = await channel.get(`${names.queue}.dead`)
        ) {
          found.push(String(m.properties.headers?.['x-dsync-error']));
          channel.ack(m);
        }
        return found;
      });
      // Different sources are handled side by side: compare regardless of order.
      expect(errors).toHaveLength(4);
      expect(errors).toEqual(
        expect.arrayContaining([
          'unknown source "tushare.stranger"',
          expect.stringMatching(/^Batch of "tushare.daily" rejected: row 0, field close: refused/),
          expect.stringMatching(/^undecodable batch message: .*JSON/),
          expect.stringMatching(/^undecodable batch message: content type "text\/plain"/),
        ]),
      );
      expect(sortRows(memory.rows(source.id), source)).toEqual(expectedRows(good, source));
    } finally {
      await consumer.close();
      await cleanup();
    }
  }, 30_000);
});
