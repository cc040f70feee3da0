import type { CheckpointStore, Clock, RunRecord } from '@dsync/datasource';
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

/** What a fetch worker knows of the runs its tasks belong to: their record, and their events. */
export class WorkerRuns {
  readonly #checkpoints: CheckpointStore;
  readonly #clock: Clock;
  readonly #events: SyncEvents;
  readonly #channel: RunEventsChannel | undefined;
  /** Each run's events, told to the worker's listeners and to its follower. */
  readonly #runEvents = new Map<string, SyncEvents>();
  readonly #runs = new Map<string, { readonly run: RunRecord | undefined; readonly at: number }>();

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

  /** The run as the ledger has it (read at most once a second per run): its status and settings. */
  async run(runId: string): Promise<RunRecord | undefined> {
    const known = this.#runs.get(runId);
    if (known !== undefined && this.#clock() - known.at < RUN_STATUS_TTL_MS) return known.run;
    const run = await this.#checkpoints.getRun(runId);
    this.#runs.delete(runId);
    keepRecent(this.#runs, runId, { run, at: this.#clock() });
    return run;
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
