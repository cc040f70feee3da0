/**
 * @dsync/storage-adapters: where dsync's data lands.
 *
 * Built so far: an in-memory sink that keeps the `Sink` contract (upsert by primary key,
 * redelivery-safe). Knex storage (SQLite, PostgreSQL, MySQL), files, the RabbitMQ sink and
 * consumer, the checkpoint store and the contract suite come with their own issue.
 */
export { createMemorySink, type MemorySink } from './memory-sink.js';
