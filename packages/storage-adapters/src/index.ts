/**
 * @dsync/storage-adapters: where dsync's data lands, and how its tasks travel.
 *
 * Knex storage (SQLite, PostgreSQL, MySQL) with the ledger on the same connection; files
 * (CSV, JSON Lines, Parquet); the RabbitMQ sink and consumer for rows, and the RabbitMQ task
 * queue for fetch workers; the in-process queue; the sink and checkpoint-store contracts an
 * adapter of your own can be tested against.
 */
export { createMemorySink, type MemorySink } from './memory-sink.js';
export { createStorage, type KnexStorage, type StorageOptions } from './knex/knex-storage.js';
export type { DialectName } from './knex/dialect.js';
export type { ReadOptions, ReadRow } from './knex/read.js';
/** Stores from dsync 0.1 keep numbers as exact decimals (TEXT on SQLite): `storage.migrate()` turns them into doubles. */
export {
  NeedsMigrationError,
  type MigrateOptions,
  type MigrationProgress,
  type NumberColumn,
  type TableMigration,
} from './knex/number-columns.js';
export { BatchRejectedError, StorageError } from './errors.js';
export { toStoredRows, type StoredRow, type StoredValue } from './values.js';
export {
  CONTRACT_SOURCE,
  contractText,
  sinkContract,
  type ContractCase,
  type SinkUnderTest,
} from './contract/sink-contract.js';
export {
  checkpointStoreContract,
  type CheckpointStoreUnderTest,
} from './contract/checkpoint-contract.js';
export {
  createFileSink,
  FILE_FORMATS,
  FILE_PARTITIONS,
  type FileFormat,
  type FilePartition,
  type FileSink,
  type FileSinkOptions,
} from './files/index.js';
export {
  createRabbitSink,
  type RabbitSink,
  type RabbitSinkEvents,
  type RabbitSinkOptions,
} from './rabbitmq/sink.js';
export {
  consume,
  type Consumer,
  type ConsumerEvents,
  type ConsumerOptions,
  type ConsumerStats,
} from './rabbitmq/consumer.js';
/** The `TaskQueue` port on RabbitMQ: the durable queue distributed fetch workers take tasks from. */
export {
  createRabbitTaskQueue,
  type RabbitTaskQueue,
  type RabbitTaskQueueOptions,
  type TaskQueueEvents,
} from './rabbitmq/task-queue.js';
export {
  createQueueSink,
  type QueueSink,
  type QueueSinkOptions,
  type QueueSinkStats,
} from './queue/queue-sink.js';
