import type { ConnectionWatch } from './connection-watch.js';
import { serveMetrics, type Health, type MetricsServer } from './metrics-server.js';
import { createWorkerMetrics, type WorkerMetricsSource } from './metrics.js';

export interface EndpointOptions {
  readonly host: string;
  readonly port: number;
  readonly source: WorkerMetricsSource;
  readonly connections: ConnectionWatch;
  /** True once the worker is stopping: it takes no more work, so it is not healthy. */
  readonly stopping: () => boolean;
}

/**
 * Whether a worker can do its work: every connection up and not stopping. The reasons say
 * which connection is lost, since when and why, as the outage line did.
 */
export function healthOf(
  worker: string,
  connections: ConnectionWatch,
  stopping: boolean,
  now = Date.now(),
): Health {
  const down = connections.down();
  const reasons = [
    ...(stopping ? ['stopping: the work in hand goes back to the queue'] : []),
    ...down.map(
      (c) =>
        `${c.name} connection lost ${Math.round((now - (c.downSince ?? now)) / 1000)} s ago (${c.where}): ${c.reason ?? 'unknown'}`,
    ),
  ];
  const connected = Object.fromEntries(connections.states().map((c) => [c.name, c.up]));
  return reasons.length === 0
    ? { ok: true, body: { status: 'ok', worker, connections: connected } }
    : { ok: false, body: { status: 'unavailable', worker, reasons, connections: connected } };
}

/** Serves the worker's /metrics and /healthz (see metrics.ts and metrics-server.ts). */
export async function startEndpoint(options: EndpointOptions): Promise<MetricsServer> {
  const registry = await createWorkerMetrics(options.source);
  return serveMetrics({
    host: options.host,
    port: options.port,
    registry,
    health: () => healthOf(options.source.worker, options.connections, options.stopping()),
  });
}
