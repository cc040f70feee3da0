import { describe, expect, it } from '@jest/globals';
import {
  createRequestArgs,
  DsyncError,
  type QueuedTask,
  type TaskDelivery,
  type TaskQueue,
} from '@dsync/datasource';
import { StorageError } from '../src/errors.js';
import {
  createRabbitTaskQueue,
  type RabbitTaskQueue,
  type RabbitTaskQueueOptions,
} from '../src/rabbitmq/task-queue.js';
import {
  closeConnectionsNamed,
  deleteTopology,
  queueInfo,
  RABBITMQ_URL,
  uniqueName,
  useBroker,
  waitFor,
  withChannel,
} from './services.js';

useBroker();

/** Task `i` of a run: a daily bar request; every third a snapshot, every fifth with flags. */
const task = (i: number, runId = 'run-1'): QueuedTask => {
  const day = `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`;
  const params = {
    trade_date: day.replaceAll('-', ''),
    ...(i % 5 === 0 ? { limit: 5000 + i, adjusted: i % 2 === 0 } : {}),
  };
  const args = createRequestArgs(
    'tushare.daily',
    'daily',
    params,
    i % 3 === 0 ? { asOf: day } : { window: { start: day, end: day } },
  );
  return { runId, sourceId: 'tushare.daily', args };
};
const tasks = (n: number, runId?: string): QueuedTask[] =>
  Array.from({ length: n }, (_, i) => task(i, runId));

/**
 * Runs `test` on a fresh queue (and exchange, when asked); `open` makes more clients of it.
 * Closes them all and deletes the queue and exchange after, whatever happened.
 */
async function withQueue(
  extra: Partial<RabbitTaskQueueOptions>,
  test: (context: { name: string; queue: TaskQueue; open: () => TaskQueue }) => Promise<void>,
): Promise<void> {
  const name = uniqueName('dsync.test.tasks');
  const opened: TaskQueue[] = [];
  const open = (): TaskQueue => {
    const queue = createRabbitTaskQueue({ url: RABBITMQ_URL, queue: name, ...extra });
    opened.push(queue);
    return queue;
  };
  try {
    await test({ name, queue: open(), open });
  } finally {
    for (const queue of opened) await queue.close();
    await deleteTopology(RABBITMQ_URL, { queue: name, exchange: extra.exchange });
  }
}

/** Leaves the delivery unsettled, as a worker still busy with it does. */
const keep = (): Promise<void> => Promise.resolve();

/** Consumes into `seen`; `then` settles each delivery (by default none is settled). */
const collect = async (
  queue: TaskQueue,
  prefetch: number,
  then: (delivery: TaskDelivery, index: number) => Promise<void> = keep,
) => {
  const seen: TaskDelivery[] = [];
  const consumer = await queue.consume(
    (delivery) => {
      seen.push(delivery);
      return then(delivery, seen.length - 1);
    },
    { prefetch },
  );
  return { seen, consumer };
};

const summary = (seen: readonly TaskDelivery[]) =>
  seen.map((d) => ({ task: d.task, redelivered: d.redelivered }));

/** Every task acked: nothing ready, nothing delivered and unacked. */
const drained = async (name: string): Promise<boolean> => {
  const { ready, unacked } = await queueInfo(name);
  return ready === 0 && unacked === 0;
};

describe('createRabbitTaskQueue', () => {
  it('delivers published tasks to one consumer exactly and in order', async () => {
    await withQueue({}, async ({ name, queue }) => {
      const published = tasks(60);
      await queue.publish(published.slice(0, 25));
      await queue.publish(published.slice(25));
      const { seen } = await collect(queue, 10, (delivery) => delivery.ack());
      await waitFor(() => seen.length === 60, '60 deliveries');
      expect(seen.map((d) => d.task)).toEqual(published);
      expect(seen.every((d) => !d.redelivered)).toBe(true);
      await waitFor(() => drained(name), 'every task acked');
    });
  }, 30_000);

  it('keeps the queue durable and the messages persistent JSON; depth counts waiting tasks only', async () => {
    await withQueue({}, async ({ name, queue }) => {
      expect(await queue.depth()).toBe(0);
      await queue.publish(tasks(5));
      expect(await queue.depth()).toBe(5);
      expect(await queueInfo(name)).toEqual({ durable: true, ready: 5, unacked: 0 });

      const first = await withChannel(RABBITMQ_URL, async (channel) => {
        const message = await channel.get(name, { noAck: false });
        if (message !== false) channel.nack(message, false, true);
        return message;
      });
      expect(first).not.toBe(false);
      if (first === false) return;
      expect(first.properties).toMatchObject({
        deliveryMode: 2,
        contentType: 'application/json',
        messageId: 'run-1|daily?adjusted=true&limit=5000&trade_date=20240101@2024-01-01',
        headers: { 'x-dsync-source': 'tushare.daily' },
      });
      expect(JSON.parse(first.content.toString('utf8'))).toEqual({ format: 1, ...task(0) });
      expect(await queue.depth()).toBe(5);

      const { seen, consumer } = await collect(queue, 2);
      await waitFor(() => seen.length === 2, 'two deliveries');
      expect(await queue.depth()).toBe(3);
      await seen[0]?.ack();
      await consumer.stop();
      // The unacked one is back; the acked one is gone.
      await waitFor(async () => (await queue.depth()) === 4, 'depth 4 after stop');
      expect(await queueInfo(name)).toEqual({ durable: true, ready: 4, unacked: 0 });
    });
  }, 30_000);

  it('hands out at most prefetch unacked tasks', async () => {
    await withQueue({}, async ({ queue }) => {
      const published = tasks(10);
      await queue.publish(published);
      const { seen } = await collect(queue, 3);
      await waitFor(() => seen.length === 3, 'three deliveries');
      // The broker holds the other 7: no fourth delivery is on its way.
      expect(await queue.depth()).toBe(7);
      expect(seen.map((d) => d.task)).toEqual(published.slice(0, 3));

      await seen[1]?.ack();
      await waitFor(() => seen.length === 4, 'a fourth delivery after one ack');
      expect(await queue.depth()).toBe(6);
      expect(seen.map((d) => d.task)).toEqual(published.slice(0, 4));
    });
  }, 30_000);

  it('a consumer stopped without acking hands its tasks to the next, redelivered; none lost or doubled', async () => {
    await withQueue({}, async ({ name, queue: first, open }) => {
      const second = open();
      const published = tasks(8);
      await first.publish(published);
      // Acks the first two it gets and holds the next four, which fill its prefetch.
      const a = await collect(first, 4, (delivery, i) => (i < 2 ? delivery.ack() : keep()));
      await waitFor(() => a.seen.length === 6, 'six deliveries to the first consumer');
      expect(await first.depth()).toBe(2);
      await a.consumer.stop();
      // Settling after stop is a no-op: the broker has them back.
      await a.seen[2]?.ack();
      await a.seen[3]?.requeue();

      const b = await collect(second, 8, (delivery) => delivery.ack());
      await waitFor(() => b.seen.length === 6, 'six deliveries to the second consumer');
      await waitFor(() => drained(name), 'every task acked');
      expect(summary(b.seen)).toEqual([
        ...published.slice(2, 6).map((t) => ({ task: t, redelivered: true })),
        ...published.slice(6).map((t) => ({ task: t, redelivered: false })),
      ]);
      const acked = [...a.seen.slice(0, 2), ...b.seen].map((d) => d.task);
      expect(acked).toEqual(published);
    });
  }, 30_000);

  it('comes back after its connection dies, saying so; the unacked tasks are redelivered (their lost signal aborted), old acks are no-ops', async () => {
    const connectionName = uniqueName('dsync.test.worker');
    await withQueue({ connectionName }, async ({ name, queue }) => {
      const told: string[] = [];
      const rabbit = queue as RabbitTaskQueue;
      rabbit.on('disconnected', (error) => told.push(`disconnected: ${error.message}`));
      rabbit.on('reconnected', () => told.push('reconnected'));
      const published = tasks(3);
      await queue.publish(published);
      const { seen } = await collect(queue, 3, (delivery, i) => (i < 3 ? keep() : delivery.ack()));
      await waitFor(() => seen.length === 3, 'three deliveries');
      expect(seen.map((d) => d.lost?.aborted)).toEqual([false, false, false]);
      expect(await closeConnectionsNamed(connectionName, 'dsync test: the network fails')).toBe(1);

      await waitFor(() => seen.length === 6, 'the three again, on a new connection');
      expect(seen.map((d) => d.lost?.aborted)).toEqual([true, true, true, false, false, false]);
      await waitFor(() => told.length === 2, 'the loss and the return told');
      expect(told).toEqual([
        expect.stringMatching(/^disconnected: .*dsync test: the network fails/),
        'reconnected',
      ]);
      expect(summary(seen.slice(3))).toEqual(
        published.map((t) => ({ task: t, redelivered: true })),
      );
      // Acking on the dead channel does nothing: in particular nothing on the new one.
      for (const delivery of seen.slice(0, 3)) await delivery.ack();
      await waitFor(() => drained(name), 'the redelivered tasks acked');

      // Publishing reconnects too.
      await queue.publish([task(3)]);
      await waitFor(() => seen.length === 7, 'a task published after the loss');
      expect(summary(seen.slice(6))).toEqual([{ task: task(3), redelivered: false }]);
      await waitFor(() => drained(name), 'every task acked');
    });
  }, 60_000);

  it('requeue puts a task back, and so does a handler that throws', async () => {
    await withQueue({}, async ({ name, queue }) => {
      await queue.publish([task(0), task(1)]);
      const { seen } = await collect(queue, 1, async (delivery, i) => {
        if (i === 0) return delivery.requeue();
        if (i === 2) throw new Error('the handler fails');
        return delivery.ack();
      });
      await waitFor(() => seen.length === 4, 'four deliveries');
      await waitFor(() => drained(name), 'every task acked');
      // Requeued and failed tasks go back to the head of the queue.
      expect(summary(seen)).toEqual([
        { task: task(0), redelivered: false },
        { task: task(0), redelivered: true },
        { task: task(1), redelivered: false },
        { task: task(1), redelivered: true },
      ]);
    });
  }, 30_000);

  it('a second ack, or a requeue after an ack, is a no-op and keeps the channel open', async () => {
    await withQueue({}, async ({ name, queue }) => {
      await queue.publish([task(0)]);
      let settledTwice = false;
      const { seen } = await collect(queue, 1, async (delivery, i) => {
        await delivery.ack();
        if (i > 0) return;
        await delivery.ack();
        await delivery.requeue();
        settledTwice = true;
        // A handler that throws after acking changes nothing either.
        throw new Error('after the ack');
      });
      await waitFor(() => settledTwice, 'the first delivery settled three times');
      await queue.publish([task(1)]);
      await waitFor(() => seen.length === 2, 'the next task');
      // A double ack would have closed the channel (PRECONDITION_FAILED) and task 0 would be
      // redelivered ahead of task 1.
      expect(summary(seen)).toEqual([
        { task: task(0), redelivered: false },
        { task: task(1), redelivered: false },
      ]);
      await waitFor(() => drained(name), 'both tasks acked');
    });
  }, 30_000);

  it('dead-letters messages that are not tasks with the reason; the handler never sees them', async () => {
    await withQueue({}, async ({ name, queue }) => {
      await queue.depth(); // declares the queue
      const good = task(0);
      await withChannel(RABBITMQ_URL, async (channel) => {
        const json = { contentType: 'application/json', persistent: true };
        channel.sendToQueue(name, Buffer.from('{"runId":'), json);
        channel.sendToQueue(
          name,
          Buffer.from(JSON.stringify({ ...good, format: 1, args: 7 })),
          json,
        );
        channel.sendToQueue(name, Buffer.from(JSON.stringify({ ...good, format: 1 })), {
          contentType: 'text/plain',
        });
        await channel.checkQueue(name); // a round trip: the sends are on the broker
      });
      await queue.publish([good]);
      const { seen } = await collect(queue, 5, (delivery) => delivery.ack());
      await waitFor(() => seen.length === 1, 'the good task');
      await waitFor(async () => (await queueInfo(`${name}.dead`)).ready === 3, '3 dead letters');
      await waitFor(() => drained(name), 'the queue emptied');
      expect(summary(seen)).toEqual([{ task: good, redelivered: false }]);

      const reasons = await withChannel(RABBITMQ_URL, async (channel) => {
        const found: unknown[] = [];
        for (
          let m = await channel.get(`${name}.dead`);
          m !== false;
          m = await channel.get(`${name}.dead`)
        ) {
          found.push(m.properties.headers?.['x-dsync-error']);
          channel.ack(m);
        }
        return found;
      });
      expect(reasons).toEqual([
        expect.stringMatching(/^undecodable task message: .*JSON/),
        'undecodable task message: args is not an object',
        'undecodable task message: content type "text/plain", expected application/json',
      ]);
    });
  }, 30_000);

  it('rejects a publish the broker nacks or whose channel closes, naming the queue; the next one reconnects', async () => {
    const exchange = uniqueName('dsync.test.x');
    const full = uniqueName('dsync.test.full');
    await withQueue({ exchange }, async ({ name, queue }) => {
      await queue.publish([task(0)]);
      // A second queue that refuses everything makes the broker nack the publish.
      await withChannel(RABBITMQ_URL, async (channel) => {
        await channel.assertQueue(full, { maxLength: 0, overflow: 'reject-publish' });
        await channel.bindQueue(full, exchange, name);
      });
      const nacked = queue.publish([task(1)]);
      await expect(nacked).rejects.toBeInstanceOf(StorageError);
      await expect(nacked).rejects.toThrow(
        `1 of 1 task(s) not confirmed by RabbitMQ for queue "${name}": message nacked`,
      );
      await withChannel(RABBITMQ_URL, (channel) => channel.deleteQueue(full));

      // Publishing to a deleted exchange makes the broker close the channel.
      await withChannel(RABBITMQ_URL, (channel) => channel.deleteExchange(exchange));
      const orphaned = queue.publish([task(2), task(3)]);
      await expect(orphaned).rejects.toBeInstanceOf(StorageError);
      await expect(orphaned).rejects.toThrow(
        `2 of 2 task(s) not confirmed by RabbitMQ for queue "${name}": Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${exchange}' in vhost '/'"`,
      );

      await queue.publish([task(4)]);
      // Task 1 was nacked because one queue refused it, yet the task queue took it: 0, 1, 4.
      expect(await queue.depth()).toBe(3);
    });
  }, 30_000);

  it('refuses a task that would not decode, and publishes none of that call', async () => {
    await withQueue({}, async ({ queue }) => {
      const bad: QueuedTask = { ...task(1), args: { ...task(1).args, params: { limit: NaN } } };
      await expect(queue.publish([task(0), bad])).rejects.toThrow(
        'task of run "run-1" cannot be queued: args.params is not an object of strings, numbers and booleans',
      );
      expect(await queue.depth()).toBe(0);
    });
  }, 30_000);

  it('an unreachable broker fails publish, consume and depth naming host:port, never the password', async () => {
    const secret = 's3cret-Pa55';
    const queue = createRabbitTaskQueue({
      url: `amqp://guest:${secret}@127.0.0.1:1`,
      reconnectTimeoutMs: 300,
    });
    try {
      const errors = [
        await queue.publish([task(0)]).catch((e: unknown) => e),
        await queue.consume(keep, { prefetch: 1 }).catch((e: unknown) => e),
        await queue.depth().catch((e: unknown) => e),
      ];
      const prefixes = [
        '1 task(s) not published to queue "dsync.tasks"',
        'cannot consume queue "dsync.tasks"',
        'cannot count the tasks of queue "dsync.tasks"',
      ];
      const target = 'amqp://guest:***@127.0.0.1:1';
      errors.forEach((error, i) => {
        expect(error).toBeInstanceOf(StorageError);
        const text = (error as Error).message;
        expect(text).toContain(`${target}: ${prefixes[i]}: RabbitMQ unreachable at ${target} (`);
        expect(text).not.toContain(secret);
      });
    } finally {
      await queue.close();
    }
  }, 30_000);

  it('close returns unacked tasks; afterwards every call is refused', async () => {
    await withQueue({}, async ({ name, queue, open }) => {
      const other = open();
      await queue.publish(tasks(2));
      const { seen, consumer } = await collect(queue, 5);
      await waitFor(() => seen.length === 2, 'two deliveries');
      await queue.close();
      await consumer.stop(); // after close: nothing to do
      await waitFor(async () => (await other.depth()) === 2, 'the tasks back on the queue');
      expect(await queueInfo(name)).toMatchObject({ ready: 2, unacked: 0 });
      for (const call of [
        () => queue.publish([task(0)]),
        () => queue.consume(keep, { prefetch: 1 }),
        () => queue.depth(),
      ])
        await expect(call()).rejects.toEqual(
          new DsyncError('E_CLOSED', `task queue "${name}": closed`),
        );
      await expect(other.consume(keep, { prefetch: 0 })).rejects.toMatchObject({
        code: 'E_TASK_QUEUE_OPTIONS',
      });
    });
  }, 30_000);
});
