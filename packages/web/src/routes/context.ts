import type { Clock, DataSourceRegistry } from '@dsync/datasource';
import type { SyncController } from '@dsync/synchronizer';
import type { EventHub } from '../live/event-stream.js';
import type { RateSeries } from '../live/rate-series.js';
import type { RunLauncher } from '../live/run-launcher.js';
import type { RunTracker } from '../live/run-tracker.js';

/** What the routes work with: the domain objects and the server's live state. */
export interface RouteContext {
  readonly controller: SyncController;
  readonly registry: DataSourceRegistry;
  readonly tracker: RunTracker;
  readonly launcher: RunLauncher;
  readonly series: RateSeries;
  readonly hub: EventHub;
  /** dsync's clock (the controller's). */
  readonly clock: Clock;
}
