import type { CheckpointStore, DataSource, DataSourceRegistry } from '@dsync/datasource';
import type { SyncController } from '@dsync/synchronizer';
import type { EventHub } from '../live/event-stream.js';
import type { RateSeries } from '../live/rate-series.js';
import type { RunLauncher } from '../live/run-launcher.js';
import type { RunTracker } from '../live/run-tracker.js';

/** What the web server reads from storage: the ledger and the stored tables. `KnexStorage` is one. */
export interface WebStorage {
  readonly checkpoints: CheckpointStore;
  /** A page of the source's table in primary-key order. */
  readRows(
    source: DataSource,
    options?: { readonly limit?: number; readonly offset?: number },
  ): Promise<Record<string, unknown>[]>;
  countRows(source: DataSource): Promise<number>;
}

/** What the routes work with: the domain objects and the server's live state. */
export interface RouteContext {
  readonly controller: SyncController;
  readonly registry: DataSourceRegistry;
  readonly storage: WebStorage;
  readonly tracker: RunTracker;
  readonly launcher: RunLauncher;
  readonly series: RateSeries;
  readonly hub: EventHub;
  /** dsync's clock (the controller's), in ms. */
  readonly clock: () => number;
}
