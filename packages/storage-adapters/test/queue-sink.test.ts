import { describe, expect, it } from '@jest/globals';
import type { RecordBatch, Sink } from '@dsync/datasource';
import { contractText, sinkContract } from '../src/contract/sink-contract.js';
import { BatchRejectedError } from '../src/errors.js';
import { createMemorySink } from '../src/memory-sink.js';
import { createQueueSink } from '../src/queue/queue-sink.js';
import { dailyBatch, dailySource, expectedRows, sortRows } from './services.js';

const source = dailySource();

/** Lets every pending promise callback and I/O callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Call {
  readonly batch: RecordBatch;
  /** Lets the downstream write finish (into the memory sink). */
  finish(): void;
}

/** A downstream whose writes finish only when the test says so. */
function gatedSink() {
  const memory = createMemorySink();
  const calls: Call[] = [];
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  let closed = false;
  const sink: Sink = {
    name: 'gated',
    ready: () => Promise.resolve(),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
    write: (batch, s) =>
      new Promise<void>((resolve, reject) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${batch.argsKey}`);
        const end = (how: () => void) => () => {
          active -= 1;
          log.push(`end ${batch.argsKey}`);
          how();
        };
        calls.push({
          batch,
          finish: end(() => void memory.write(batch, s).then(resolve, reject)),
        });
      }),
  };
  return { sink, memory, calls, log, maxActive: () => maxActive, closed: () => closed };
}

const key = (i: number) => dailyBatch(i, source).argsKey;

describe('createQueueSink', () => {
  it('writes batches in the order they came, one at a time, and resolves each once written', async () => {
    const down = gatedSink();
    const queue = createQueueSink({ sink: down.sink, maxBatches: 64 });
    const batches = Array.from({ length: 10 }, (_, i) => dailyBatch(i, source));
    const done: number[] = [];
    const writes = batches.map((b, i) => queue.write(b, source).then(() => done.push(i)));
    for (let i = 0; i < batches.length; i += 1) {
      await settle();
      expect(down.calls).toHaveLength(i + 1);
      expect(done).toEqual(Array.from({ length: i }, (_, k) => k)); // not before its write ends
      down.calls[i]?.finish();
    }
    await Promise.all(writes);
    expect(down.calls.map((c) => c.batch.argsKey)).toEqual(batches.map((b) => b.argsKey));
    expect(down.maxActive()).toBe(1);
    expect(sortRows(down.memory.rows(source.id), source)).toEqual(expectedRows(batches, source));
  });

  it("hands the downstream's error to the caller of that write, and goes on with the next", async () => {
    const memory = createMemorySink();
    const picky: Sink = {
      ...memory,
      write: (batch, s) =>
        batch.argsKey === key(1)
          ? Promise.reject(new BatchRejectedError(s.id, 0, 'close', 'refused'))
          : memory.write(batch, s),
    };
    const queue = createQueueSink({ sink: picky });
    const results = await Promise.allSettled(
      [0, 1, 2].map((i) => queue.write(dailyBatch(i, source), source)),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: expect.any(BatchRejectedError) });
    expect(queue.stats()).toMatchObject({ written: 2, failed: 1, queued: 0 });
    expect(sortRows(memory.rows(source.id), source)).toEqual(
      expectedRows([dailyBatch(0, source), dailyBatch(2, source)], source),
    );
  });

  it('applies backpressure: with maxBatches 2, a third write waits until one is written', async () => {
    const down = gatedSink();
    const queue = createQueueSink({ sink: down.sink, maxBatches: 2 });
    const resolved = [false, false, false];
    const writes = [0, 1, 2].map((i) =>
      queue.write(dailyBatch(i, source), source).then(() => {
        resolved[i] = true;
        down.log.push(`resolved ${key(i)}`);
      }),
    );
    await settle();
    expect(queue.stats()).toMatchObject({ queued: 2, waiting: 1 });
    expect(down.calls).toHaveLength(1);
    expect(resolved).toEqual([false, false, false]);

    down.calls[0]?.finish();
    await settle();
    // Batch 0 written: its write resolved, and only then did batch 2 get into the queue.
    expect(resolved).toEqual([true, false, false]);
    expect(queue.stats()).toMatchObject({ queued: 2, waiting: 0 });

    down.calls[1]?.finish();
    await settle();
    down.calls[2]?.finish();
    await Promise.all(writes);
    // One downstream write at a time, each caller told in turn.
    expect(down.log.filter((line) => !line.startsWith('resolved'))).toEqual([
      `start ${key(0)}`,
      `end ${key(0)}`,
      `start ${key(1)}`,
      `end ${key(1)}`,
      `start ${key(2)}`,
      `end ${key(2)}`,
    ]);
    expect(down.log.filter((line) => line.startsWith('resolved'))).toEqual(
      [0, 1, 2].map((i) => `resolved ${key(i)}`),
    );
    expect(queue.stats().highWater).toBe(2);
  });

  it('holds at most maxBatches however many writers push at once', async () => {
    const memory = createMemorySink();
    const slow: Sink = { ...memory, write: (b, s) => settle().then(() => memory.write(b, s)) };
    const queue = createQueueSink({ sink: slow, maxBatches: 4 });
    let maxQueued = 0;
    const batches = Array.from({ length: 200 }, (_, i) => dailyBatch(i, source));
    const writes = batches.map((b) => queue.write(b, source));
    while (queue.stats().written < batches.length) {
      maxQueued = Math.max(maxQueued, queue.stats().queued);
      await settle();
    }
    await Promise.all(writes);
    expect(maxQueued).toBeLessThanOrEqual(4);
    expect(queue.stats()).toMatchObject({ highWater: 4, written: 200, queued: 0, waiting: 0 });
    expect(memory.rows(source.id)).toHaveLength(1000);
  });

  it('close drains every accepted write, closes the downstream, then refuses writes', async () => {
    const down = gatedSink();
    const queue = createQueueSink({ sink: down.sink, maxBatches: 1 });
    const writes = [0, 1, 2].map((i) => queue.write(dailyBatch(i, source), source));
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    for (let i = 0; i < 3; i += 1) {
      await settle();
      expect(closed).toBe(false);
      down.calls[i]?.finish();
    }
    await closing;
    await Promise.all(writes);
    expect(down.closed()).toBe(true);
    expect(down.memory.rows(source.id)).toHaveLength(15);
    await expect(queue.write(dailyBatch(3, source), source)).rejects.toMatchObject({
      code: 'E_SINK_CLOSED',
    });
  });

  it('refuses a maxBatches below 1', () => {
    expect(() => createQueueSink({ sink: createMemorySink(), maxBatches: 0 })).toThrow(RangeError);
  });
});

describe('the Sink contract: queue sink over a memory sink', () => {
  for (const c of sinkContract(() => {
    const memory = createMemorySink();
    return Promise.resolve({
      sink: createQueueSink({ sink: memory, maxBatches: 2 }),
      rows: (s) => Promise.resolve(memory.rows(s.id).map(contractText)),
    });
  })) {
    it(c.name, () => c.run());
  }
});
