import { randomUUID } from 'node:crypto';
import { systemClock, type ArgContext, type DataSourceRegistry } from '@dsync/datasource';
import { SyncEvents } from '../engine/events.js';
import { Limiters } from '../limits/limiters.js';
import type { ControllerStorage, PlanOptions, SyncControllerOptions } from './options.js';
import { QuotaMeter } from './quota/meter.js';

/** Longer windows are left to the day's count: keeping a timestamp per call for them costs. */
export const METERED_MS = 3_600_000;

/**
 * What every use case of the controller works with: its options, the limiters, the events it
 * tells, and the one clock. The controller makes one and hands it to each use case.
 */
export class ControllerContext {
  readonly options: SyncControllerOptions;
  readonly registry: DataSourceRegistry;
  readonly storage: ControllerStorage;
  readonly events = new SyncEvents();
  readonly limiters: Limiters;
  /** Calls per scope in the recent past, for the rate gauges. */
  readonly meter = new QuotaMeter(METERED_MS);

  constructor(options: SyncControllerOptions) {
    this.options = options;
    this.registry = options.registry;
    this.storage = options.storage;
    this.limiters = new Limiters({
      sources: options.registry.list(),
      checkpoints: options.storage.checkpoints,
      ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    // One task-started event is one call: the rate gauges count them.
    this.events.on((event) => {
      if (event.type !== 'task-started' || !this.registry.has(event.sourceId)) return;
      this.meter.record(this.limiters.scopeOf(this.registry.get(event.sourceId)), this.clock());
    });
  }

  /** dsync's time: what is published and settled, quota days, the ledger's times. */
  clock(): number {
    return (this.options.clock ?? systemClock)();
  }

  /** The clock's time as a date: a run's `now` unless its options give one. */
  now(options: { readonly now?: Date } = {}): Date {
    return options.now ?? new Date(this.clock());
  }

  /** What arg generation reads: the stored calendars and key lists of the registry's sources. */
  argContext(): ArgContext {
    const { registry } = this;
    return this.storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
  }
}

/** Sortable by start, unique across processes. */
export const runIdOf = (now: Date): string =>
  `run-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;

/** A sync's or plan's range, without the keys it leaves out. */
export const rangeOf = (options: PlanOptions) => ({
  ...(options.since === undefined ? {} : { since: options.since }),
  ...(options.until === undefined ? {} : { until: options.until }),
});
