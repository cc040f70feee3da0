import type { DataSource, DataSourceRegistry, RecordBatch, Sink } from '@dsync/datasource';
import {
  createFileSink,
  createRabbitSink,
  type FileFormat,
  type FilePartition,
  type KnexStorage,
  type RabbitSink,
} from '@dsync/storage-adapters';

/** Where rows go besides the database: a files root, or a RabbitMQ queue a worker drains. */
export type Destination =
  | { readonly kind: 'database' }
  | {
      readonly kind: 'files';
      readonly root: string;
      readonly format?: FileFormat;
      readonly partition?: FilePartition;
    }
  | {
      readonly kind: 'amqp';
      readonly url: string;
      readonly exchange?: string;
      readonly queue?: string;
      readonly awaitStored?: boolean;
      /** The connection's name on the broker. */
      readonly connectionName?: string;
    };

/** The sink of a run; with a queue, its connection's loss and return can be heard. */
export type RunSink = Sink & { readonly on?: RabbitSink['on'] };

/**
 * The sink a run writes to. Sources that other sources read (calendars, symbol lists) always
 * go straight to the database as well, because arg generation reads them from there: with a
 * queue they would otherwise wait for a worker, and files are not read back.
 */
export function createRunSink(
  destination: Destination,
  storage: KnexStorage,
  registry: DataSourceRegistry,
): RunSink {
  if (destination.kind === 'database') return storage;
  const downstream =
    destination.kind === 'files'
      ? createFileSink({
          root: destination.root,
          ...(destination.format === undefined ? {} : { format: destination.format }),
          ...(destination.partition === undefined ? {} : { partition: destination.partition }),
        })
      : createRabbitSink({
          url: destination.url,
          ...(destination.exchange === undefined ? {} : { exchange: destination.exchange }),
          ...(destination.queue === undefined ? {} : { queue: destination.queue }),
          ...(destination.awaitStored === undefined
            ? {}
            : { awaitStored: destination.awaitStored }),
          ...(destination.connectionName === undefined
            ? {}
            : { connectionName: destination.connectionName }),
        });
  const backlog = downstream.backlog?.bind(downstream);
  const readBack = new Set(registry.list().flatMap((s) => registry.dependenciesOf(s.id)));
  return {
    name: downstream.name,
    ready: async () => {
      await storage.ready();
      await downstream.ready();
    },
    async write(batch: RecordBatch, source: DataSource) {
      if (readBack.has(source.id)) await storage.write(batch, source);
      await downstream.write(batch, source);
    },
    // Read back sources are stored here at once: none of their batches awaits a consumer.
    storedByConsumer: (source) =>
      !readBack.has(source.id) && downstream.storedByConsumer?.(source) === true,
    ...(backlog === undefined ? {} : { backlog }),
    close: () => downstream.close(),
    ...('on' in downstream ? { on: downstream.on.bind(downstream) } : {}),
  };
}
