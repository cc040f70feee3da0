import { DsyncError, type DataSource, type RecordBatch, type Sink } from '@dsync/datasource';

export interface QueueSinkOptions {
  /** Where batches are written, e.g. Knex storage. */
  readonly sink: Sink;
  /** Batches held at most (the one being written included); more writes wait for room. @default 64 */
  readonly maxBatches?: number;
  /** Whether `close` also closes `sink` once drained. @default true */
  readonly closeDownstream?: boolean;
}

export interface QueueSinkStats {
  /** Batches in the queue, the one being written included; never above `maxBatches`. */
  readonly queued: number;
  /** Writes waiting for room in the queue. */
  readonly waiting: number;
  readonly written: number;
  readonly failed: number;
  /** The most batches the queue ever held. */
  readonly highWater: number;
}

/** The in-process queue in front of a sink; `write` keeps the downstream's durability promise. */
export interface QueueSink extends Sink {
  stats(): QueueSinkStats;
}

interface Job {
  readonly batch: RecordBatch;
  readonly source: DataSource;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serialises writes to one downstream sink, in the order they were made, one at a time: the
 * embedded default's stand-in for a broker. A `write` resolves only once the downstream has
 * written its batch (and rejects with the downstream's error), so the synchronizer's
 * guarantee is unchanged. When `maxBatches` are queued, further writes wait for room before
 * they are queued: fetchers slow down to the writer's pace instead of piling up batches.
 */
export function createQueueSink(options: QueueSinkOptions): QueueSink {
  const downstream = options.sink;
  const maxBatches = options.maxBatches ?? 64;
  if (!Number.isInteger(maxBatches) || maxBatches < 1)
    throw new RangeError(`maxBatches must be a whole number ≥ 1, got ${maxBatches}`);
  const closeDownstream = options.closeDownstream ?? true;
  const name = `queue:${downstream.name}`;
  const jobs: Job[] = [];
  // Writes waiting for room, first come first served; each is handed a slot when one frees.
  const waiters: (() => void)[] = [];
  // Slots taken: jobs queued plus slots handed to waiters that have not queued their job yet.
  let taken = 0;
  let running = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  const counts = { written: 0, failed: 0, highWater: 0 };

  const idle = (): boolean => taken === 0 && waiters.length === 0;

  function slot(): Promise<void> {
    // Queue behind earlier waiters even if a slot is free, so order is kept.
    if (taken < maxBatches && waiters.length === 0) {
      taken += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiters.push(resolve));
  }

  function release(): void {
    const next = waiters.shift();
    // The slot passes straight to the next waiter; `taken` stays the same.
    if (next !== undefined) next();
    else taken -= 1;
    if (idle()) drained?.();
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let job = jobs[0]; job !== undefined; job = jobs[0]) {
        try {
          await downstream.write(job.batch, job.source);
          counts.written += 1;
          job.resolve();
        } catch (error) {
          counts.failed += 1;
          job.reject(error);
        }
        jobs.shift();
        release();
      }
    } finally {
      running = false;
    }
  }

  return {
    name,
    ready: () => downstream.ready(),
    async write(batch, source) {
      if (closed) throw new DsyncError('E_SINK_CLOSED', `${name}: write after close`);
      await slot();
      return new Promise<void>((resolve, reject) => {
        jobs.push({ batch, source, resolve, reject });
        counts.highWater = Math.max(counts.highWater, jobs.length);
        void pump();
      });
    },
    close() {
      closed = true;
      closing ??= (async () => {
        // Writes made before close, queued or still waiting for room, are all written.
        if (!idle()) await new Promise<void>((resolve) => (drained = resolve));
        if (closeDownstream) await downstream.close();
      })();
      return closing;
    },
    stats: () => ({ queued: jobs.length, waiting: waiters.length, ...counts }),
  };
}
