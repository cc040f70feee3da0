import type { Registry } from 'prom-client';
import type { ConnectionState } from './connection-watch.js';

/** What a worker counts, read at each scrape: the same counts its report lines print. */
export interface WorkerCounts {
  /** A fetch worker's tasks by outcome: done, dropped, failed, requeued, already_settled, cancelled. */
  readonly tasks?: Readonly<Record<string, number>>;
  /** A fetch worker's calls per limit scope. */
  readonly calls?: Readonly<Record<string, number>>;
  /** A fetch worker's rows sent to the data queue (of the tasks it did). */
  readonly rows?: number;
  /** A storing worker's batches by outcome: stored, retried, dead_lettered, returned. */
  readonly batches?: Readonly<Record<string, number>>;
  /** A storing worker's rows stored in the database. */
  readonly rowsStored?: number;
}

export interface WorkerMetricsSource {
  /** Every sample is labelled `worker` with it. */
  readonly worker: string;
  /** The queue the worker takes from: `dsync.tasks`, `dsync.batches`. */
  readonly queue: string;
  counts(): WorkerCounts;
  connections(): readonly ConnectionState[];
  /** Deliveries in hand. */
  held(): number;
  /** Messages waiting in the queue; undefined while the broker is out of reach (no sample then). */
  depth(): Promise<number | undefined>;
}

/**
 * A worker's Prometheus metrics, in a registry of its own, every sample labelled with the
 * worker's name, so one scrape config over every worker adds up the deployment. Counters are
 * read from the worker's counts at each scrape: they say what its report lines say. The names
 * `dsync_requests_total` and `dsync_rows_total` mean what they mean on `dsync serve`'s /metrics.
 * prom-client is loaded only by a worker that serves metrics.
 */
export async function createWorkerMetrics(source: WorkerMetricsSource): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  registry.setDefaultLabels({ worker: source.worker });
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: () => readonly { labels: Partial<Record<L, string>>; value: number }[] | undefined,
  ) => {
    // Only the role's own counters: a fetch worker has no batches, a storing worker no tasks.
    if (samples() === undefined) return;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of samples() ?? []) this.inc(labels, value);
      },
    });
  };
  const byLabel = <L extends string>(
    label: L,
    counts: Readonly<Record<string, number>> | undefined,
  ) =>
    counts === undefined
      ? undefined
      : Object.entries(counts).map(([key, value]) => ({
          labels: { [label]: key } as Partial<Record<L, string>>,
          value,
        }));
  const single = (value: number | undefined) =>
    value === undefined ? undefined : [{ labels: {}, value }];

  counter(
    'dsync_tasks_total',
    'Tasks a fetch worker took, by what became of them.',
    ['outcome'],
    () => byLabel('outcome', source.counts().tasks),
  );
  counter('dsync_requests_total', 'Calls made to a provider API, per limit scope.', ['scope'], () =>
    byLabel('scope', source.counts().calls),
  );
  counter(
    'dsync_rows_total',
    'Rows delivered to the sink (a fetch worker: the data queue).',
    [],
    () => single(source.counts().rows),
  );
  counter(
    'dsync_batches_total',
    'Batches a storing worker took from the data queue, by what became of them.',
    ['outcome'],
    () => byLabel('outcome', source.counts().batches),
  );
  counter('dsync_rows_stored_total', 'Rows a storing worker wrote to the database.', [], () =>
    single(source.counts().rowsStored),
  );
  counter(
    'dsync_outages_total',
    'Connections (RabbitMQ, Redis) lost since the worker started.',
    ['connection'],
    () => source.connections().map((c) => ({ labels: { connection: c.name }, value: c.outages })),
  );
  new Gauge({
    name: 'dsync_connection_up',
    help: '1 while a connection of the worker is up, 0 while it is lost.',
    labelNames: ['connection'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of source.connections()) this.set({ connection: c.name }, c.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dsync_queue_depth',
    help: 'Messages waiting in the queue the worker takes from (not those delivered and unacked).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const depth = await source.depth();
      if (depth !== undefined) this.set({ queue: source.queue }, depth);
    },
  });
  new Gauge({
    name: 'dsync_held',
    help: 'Deliveries in hand: tasks for a fetch worker, batches for a storing worker.',
    registers: [registry],
    collect() {
      this.set(source.held());
    },
  });
  return registry;
}
