import {
  batchIdempotencyKey,
  DsyncError,
  type DataSource,
  type RecordBatch,
  type Sink,
} from '@dsync/datasource';

/**
 * An in-memory sink: rows kept per source, keyed by primary key (upsert) or appended once
 * per batch (append). For tests, examples and the contract a custom adapter meets; nothing
 * survives the process.
 */
export interface MemorySink extends Sink {
  /** The stored rows of a source as objects, in insertion order (an upsert keeps a row's place). */
  rows(sourceId: string): Record<string, unknown>[];
}

interface SourceRows {
  readonly byKey: Map<string, Record<string, unknown>>;
  readonly seenBatches: Set<string>;
}

const rowKey = (record: Record<string, unknown>, primaryKey: readonly string[]): string =>
  JSON.stringify(primaryKey.map((field) => record[field] ?? null));

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
      store.seenBatches.add(batchKey);
      for (const cells of batch.rows) {
        const record = Object.fromEntries(batch.columns.map((column, i) => [column, cells[i]]));
        const key =
          source.storage.writeMode === 'append'
            ? `append:${appended++}`
            : rowKey(record, source.primaryKey);
        store.byKey.set(key, record);
      }
      return Promise.resolve();
    },
    rows: (sourceId) => [...(stores.get(sourceId)?.byKey.values() ?? [])],
  };
}
