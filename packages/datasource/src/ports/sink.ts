import type { DataSource } from '../schema/data-source.js';
import type { RecordBatch } from './record-batch.js';

/**
 * Where fetched rows go: a database, files, or a queue to a downstream consumer.
 *
 * @remarks
 * The contract every sink keeps (checked by the adapter contract suite in
 * `@dsync/storage-adapters`):
 * - `write` resolves only once the batch is durable (committed, renamed into place,
 *   confirmed by the broker): the synchronizer marks a task done only after that.
 * - Writing the same batch twice (same idempotency key) leaves the same stored rows as
 *   writing it once.
 * - A failed `write` leaves nothing half-written that a retry would double.
 * - `ready` may be called before the first write and is idempotent; after `close`,
 *   `write` rejects.
 */
export interface Sink {
  /** A short name for logs and the ledger, e.g. `sqlite:data.db` (never a password). */
  readonly name: string;
  ready(): Promise<void>;
  write(batch: RecordBatch, source: DataSource): Promise<void>;
  close(): Promise<void>;
  /**
   * True when the rows of `source` written here are stored later, by the consumer of a queue,
   * which marks each task's batch stored in the ledger (`CheckpointStore.markStored`). Such a
   * task is done once its batch is queued, and awaits its store until then: a distributed
   * run moves the source's cursor only when none awaits. Absent: `write` stores the rows.
   */
  storedByConsumer?(source: DataSource): boolean;
  /** A queue sink: what waits in its queue, and how many consumers take from it. */
  backlog?(): Promise<SinkBacklog>;
}

/** What waits in a queue sink's queue (`Sink.backlog`). */
export interface SinkBacklog {
  /** The queue's name, e.g. `dsync.batches`. */
  readonly queue: string;
  /** Batches ready in it (not those a consumer holds unacked). */
  readonly batches: number;
  /** Consumers connected to it: 0 means no storing worker runs. */
  readonly consumers: number;
}

/**
 * A sink that shares its database with the checkpoint store can store a batch and record
 * its task's completion in one transaction, so a crash between the two cannot happen.
 */
export interface TransactionalSink extends Sink {
  writeAndComplete(
    batch: RecordBatch,
    source: DataSource,
    completion: TaskCompletion,
  ): Promise<void>;
}

/** What the ledger records with the last batch of a task. */
export interface TaskCompletion {
  readonly runId: string;
  readonly key: string;
  readonly rows: number;
  /** Attempts the task took, this one included. */
  readonly attempts: number;
  /** Which process ran it (host:pid, or a worker name); the ledger keeps its last one without it. */
  readonly worker?: string;
  /** When its request was sent (ISO), on the synchronizer's clock. @default the store's clock */
  readonly at?: string;
}
