import type { DataSourceRegistry, Provider } from '@dsync/datasource';
import type { QuotaGauge, SyncController, SyncEvent } from '@dsync/synchronizer';
import { Counter, Gauge, Registry } from 'prom-client';

/** The throttle answer's reason code: a cool-down for any other reason is not the API's limit. */
const THROTTLE_CODE = 'E_TOO_FREQUENT';

export interface Metrics {
  /** This server's registry (never prom-client's global one: two servers in one process count apart). */
  readonly registry: Registry;
  /** Learns each provider's account label from the controller's quota report. */
  refreshAccounts(): Promise<void>;
  close(): void;
}

/** `day`, or a rate window as seconds: `60s`. */
const windowLabel = (windowMs: number) => `${windowMs / 1000}s`;

/** One sample per quota window and per day, with its used or left count. */
function quotaSamples(gauges: readonly QuotaGauge[], of: 'used' | 'left') {
  return gauges.flatMap((g) => [
    ...g.windows.map((w) => ({ scope: g.scope, window: windowLabel(w.windowMs), value: w[of] })),
    ...(g.day[of] === undefined ? [] : [{ scope: g.scope, window: 'day', value: g.day[of] }]),
  ]);
}

/**
 * Prometheus metrics of the controller: counters from its event stream, labelled by source
 * and account; quota gauges, how far behind the provider each source is and whether a run
 * is active, read from the controller when scraped (at `clock`, dsync's) so they are never
 * stale.
 */
export function createMetrics(
  controller: SyncController,
  sources: DataSourceRegistry,
  clock: () => number = Date.now,
): Metrics {
  const registry = new Registry();
  const labels = ['source', 'account'] as const;
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: labels, registers: [registry] });
  const requests = counter('dsync_requests_total', 'Calls made to a provider API.');
  const throttles = counter(
    'dsync_throttles_total',
    'Cool-downs after the API answered "too frequent".',
  );
  const retries = counter('dsync_retries_total', 'Requests retried after a transient failure.');
  const rows = counter('dsync_rows_total', 'Rows delivered to the sink.');
  const dropped = counter('dsync_dropped_total', 'Tasks dropped for a bad argument.');

  const quotaGauge = (name: string, help: string, of: 'used' | 'left') =>
    new Gauge({
      name,
      help,
      labelNames: ['scope', 'window'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const { value, ...sample } of quotaSamples(await controller.quota(), of))
          this.set(sample, value);
      },
    });
  quotaGauge('dsync_quota_used', 'Calls counted against a quota in its window or day.', 'used');
  quotaGauge('dsync_quota_left', 'Calls left in a quota window or day.', 'left');
  new Gauge({
    name: 'dsync_source_behind',
    help: "How far a source's stored table is behind what its provider has published, in its grid's days or report periods (unit); 0 when current. Only sources with a grid.",
    labelNames: ['source', 'unit'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of await controller.status(new Date(clock()))) {
        if (status.freshness === undefined) continue;
        this.set({ source: status.sourceId, unit: status.freshness.unit }, status.freshness.behind);
      }
    },
  });
  new Gauge({
    name: 'dsync_run_active',
    help: '1 while a run is in progress.',
    registers: [registry],
    collect() {
      this.set(controller.running ? 1 : 0);
    },
  });

  const accounts = new Map<Provider, string>();
  const labelsOf = (sourceId: string) => ({
    source: sourceId,
    account: sources.has(sourceId)
      ? (accounts.get(sources.get(sourceId).provider) ?? 'default')
      : 'default',
  });
  const count = (event: SyncEvent) => {
    switch (event.type) {
      case 'task-started':
        return requests.inc(labelsOf(event.sourceId));
      case 'rows-delivered':
        return rows.inc(labelsOf(event.sourceId), event.rows);
      case 'retried':
        return retries.inc(labelsOf(event.sourceId));
      case 'cooled-down':
        if (event.reason.code === THROTTLE_CODE) throttles.inc(labelsOf(event.sourceId));
        return;
      case 'dropped':
        return dropped.inc(labelsOf(event.sourceId));
      default:
        return;
    }
  };
  const off = controller.events.on(count);

  return {
    registry,
    async refreshAccounts() {
      for (const gauge of await controller.quota()) accounts.set(gauge.provider, gauge.label);
    },
    close: off,
  };
}
