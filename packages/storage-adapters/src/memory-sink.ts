import {
  batchIdempotencyKey,
  DsyncError,
  type DataSource,
  type RecordBatch,
  type Sink,
} from '@dsync/datasource';
import { primaryKeyOf, toStoredRows, type StoredRow } from './values.js';

/**
 * An in-memory sink: rows checked and converted as every adapter does (dates ISO, decimals
 * exact strings), kept per source by primary key (upsert) or appended once per batch. For
 * tests, examples and the contract a custom adapter meets; nothing survives the process.
 */
export interface MemorySink extends Sink {
  /** The stored rows of a source as objects, in insertion order (an upsert keeps a row's place). */
  rows(sourceId: string): StoredRow[];
}

interface SourceRows {
  readonly byKey: Map<string, StoredRow>;
  readonly seenBatches: Set<string>;
}

export function createMemorySink(): MemorySink {
  const stores = new Map<string, SourceRows>();
  let closed = false;
  let appended = 0;

  const storeOf = (sourceId: string): SourceRows => {
    let store = stores.get(sourceId);
    if (store === undefined)
      stores.set(sourceId, (store = { byKey: new Map(), seenBatches: new Set() }));
    return store;
  };

  return {
    name: 'memory',
    ready: () => Promise.resolve(),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
    write(batch: RecordBatch, source: DataSource): Promise<void> {
      if (closed)
        return Promise.reject(new DsyncError('E_SINK_CLOSED', 'memory sink: write after close'));
      const store = storeOf(batch.sourceId);
      const batchKey = batchIdempotencyKey(batch);
      // Append mode has no key to dedupe rows by, so a redelivered batch is recognised as a whole.
      if (source.storage.writeMode === 'append' && store.seenBatches.has(batchKey))
        return Promise.resolve();
      let rows: StoredRow[];
      try {
        // Checked whole before any row is kept: a bad batch leaves nothing behind.
        rows = toStoredRows(batch, source);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      store.seenBatches.add(batchKey);
      for (const row of rows) {
        const key =
          source.storage.writeMode === 'append'
            ? `append:${appended++}`
            : primaryKeyOf(row, source);
        store.byKey.set(key, row);
      }
      return Promise.resolve();
    },
    rows: (sourceId) => [...(stores.get(sourceId)?.byKey.values() ?? [])],
  };
}
