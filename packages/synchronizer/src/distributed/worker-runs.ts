import type { CheckpointStore, Clock, RunStatus } from '@dsync/datasource';
import { SyncEvents } from '../engine/events.js';
import type { RunEventsChannel } from './run-events.js';

/** How long a run's status is taken as read: one ledger query per run and second, not per task. */
const RUN_STATUS_TTL_MS = 1_000;

/** Runs whose status and events a worker keeps at once. */
const RUNS_KEPT = 16;

/** Adds to a map kept to its `RUNS_KEPT` latest entries: a long-lived worker sees run after run. */
function keepRecent<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > RUNS_KEPT) map.delete(map.keys().next().value as string);
}

/** What a fetch worker knows of the runs its tasks belong to: their status, and their events. */
export class WorkerRuns {
  readonly #checkpoints: CheckpointStore;
  readonly #clock: Clock;
  readonly #events: SyncEvents;
  readonly #channel: RunEventsChannel | undefined;
  /** Each run's events, told to the worker's listeners and to its follower. */
  readonly #runEvents = new Map<string, SyncEvents>();
  readonly #status = new Map<string, { readonly status: RunStatus; readonly at: number }>();

  /**
   * @param events the worker's own events, which every run's events reach
   * @param channel where a run's follower hears its events (none: the worker's events only)
   */
  constructor(
    checkpoints: CheckpointStore,
    clock: Clock,
    events: SyncEvents,
    channel: RunEventsChannel | undefined,
  ) {
    this.#checkpoints = checkpoints;
    this.#clock = clock;
    this.#events = events;
    this.#channel = channel;
  }

  /** Whether the run was cancelled, as the ledger says (read at most once a second per run). */
  async cancelled(runId: string): Promise<boolean> {
    const known = this.#status.get(runId);
    if (known !== undefined && this.#clock() - known.at < RUN_STATUS_TTL_MS)
      return known.status === 'cancelled';
    const run = await this.#checkpoints.getRun(runId);
    const status = run?.status ?? 'running';
    keepRecent(this.#status, runId, { status, at: this.#clock() });
    return status === 'cancelled';
  }

  /** A run's task events: told to the worker's listeners, and published for the run's follower. */
  eventsOf(runId: string): SyncEvents {
    const channel = this.#channel;
    if (channel === undefined) return this.#events;
    let events = this.#runEvents.get(runId);
    if (events === undefined) {
      const run = new SyncEvents();
      run.on((event) => {
        this.#events.emit(event);
        channel.publish(runId, event);
      });
      keepRecent(this.#runEvents, runId, run);
      events = run;
    }
    return events;
  }
}
