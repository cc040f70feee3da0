import type { RunResult, SyncController } from '@dsync/synchronizer';
import type { SyncRequest } from '../api/contract.js';
import { HttpError } from '../server/errors.js';
import type { RunTracker } from './run-tracker.js';

/**
 * Starts runs in the background for POST /api/sync: plans first (so the live view has each
 * source's planned requests), answers with the run's id as soon as it starts, and keeps the
 * run's promise so the server can wait for it on close.
 */
export class RunLauncher {
  readonly #controller: SyncController;
  readonly #tracker: RunTracker;
  readonly #onError: (error: unknown) => void;
  /** From the request to the run's end: busy before the controller is, so two requests cannot race. */
  #running: Promise<RunResult | undefined> | undefined;

  constructor(
    controller: SyncController,
    tracker: RunTracker,
    onError: (error: unknown) => void = () => undefined,
  ) {
    this.#controller = controller;
    this.#tracker = tracker;
    this.#onError = onError;
  }

  get busy(): boolean {
    return this.#running !== undefined || this.#controller.running;
  }

  /** @throws HttpError 409 `E_BUSY` while a run is in progress; a bad request's error before anything starts */
  async start(request: SyncRequest): Promise<{ runId: string }> {
    if (this.busy) throw busy();
    const options = {
      ...(request.ids === undefined ? {} : { ids: request.ids }),
      ...(request.since === undefined ? {} : { since: request.since }),
      ...(request.until === undefined ? {} : { until: request.until }),
      // One clock for the plan and the run, so both cover the same range and sources.
      now: new Date(),
    };
    let resolveStarted: (runId: string) => void = () => undefined;
    const started = new Promise<string>((resolve) => (resolveStarted = resolve));
    let hasStarted = false;
    const off = this.#controller.events.on((event) => {
      if (event.type === 'run-started') {
        hasStarted = true;
        resolveStarted(event.runId);
      }
      // A source whose calendar or keys were not stored at planning time is planned again once they are.
      if (event.type === 'source-started')
        this.#tracker.planning(this.#replan(event.sourceId, options));
    });
    const run = (async () => {
      try {
        const plans = await this.#controller.plan(options);
        this.#tracker.expect(plans);
        return await this.#controller.sync(options);
      } finally {
        off();
      }
    })();
    this.#running = run.then(
      (result) => result,
      (error: unknown) => {
        // Before the start, the error is the request's answer; after it, only a log knows.
        if (hasStarted) this.#onError(error);
        return undefined;
      },
    );
    void this.#running.finally(() => (this.#running = undefined));
    // The plan's errors (an unknown id, a bad range) are the request's: they answer it.
    const runId = await Promise.race([started, run.then((result) => result.runId)]);
    return { runId };
  }

  /** The run in progress, if any, to wait for on close. */
  settled(): Promise<unknown> {
    return this.#running ?? Promise.resolve();
  }

  async #replan(sourceId: string, options: Parameters<SyncController['plan']>[0]) {
    const view = this.#tracker.view()?.sources.find((s) => s.sourceId === sourceId);
    // An exact count stands; an estimate or an unknown one is counted again, what it reads now stored.
    if (view?.planned !== undefined && view.estimated !== true) return;
    const plans = await this.#controller.plan({ ...options, ids: [sourceId] });
    const plan = plans.find((p) => p.sourceId === sourceId);
    if (plan !== undefined) this.#tracker.setPlanned(plan);
  }
}

const busy = () =>
  new HttpError(409, 'E_BUSY', 'A run is already in progress: cancel it or wait for its end.');
