import type { LedgerError } from '@dsync/datasource';
import type { SourcePlan, SyncEvent, SyncEvents } from '@dsync/synchronizer';
import type { RunSourceView, RunView } from '../api/contract.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface SourceProgress extends Mutable<
  Omit<RunSourceView, 'left' | 'etaMs' | 'planned' | 'estimated' | 'reason'>
> {
  planned?: number;
  estimated?: true;
  reason?: LedgerError;
  /** When its first task started (ms), for the rate its ETA is computed at. */
  startedAt?: number;
}

interface RunProgress extends Mutable<Omit<RunView, 'sources'>> {
  readonly sources: Map<string, SourceProgress>;
}

/** What changed: `progress` (counts), `started`, `finished` (the run's last word). */
export type RunChange = 'started' | 'progress' | 'finished';

/**
 * The live view of the current (or last) run, folded from the controller's event stream:
 * what GET /api/run answers and what /api/events pushes. Runs started by anyone sharing the
 * controller show up; `planned` comes from whoever started the run (`setPlanned`).
 */
export class RunTracker {
  readonly #now: () => number;
  readonly #listeners = new Set<(change: RunChange) => void>();
  readonly #off: () => void;
  #run: RunProgress | undefined;
  /** Plans of the run about to start, applied when it starts. */
  #nextPlan = new Map<string, SourcePlan>();
  /** Plans in flight: the run is declared finished once they are in, so its last view is complete. */
  readonly #planning = new Set<Promise<unknown>>();

  constructor(events: SyncEvents, now: () => number = Date.now) {
    this.#now = now;
    this.#off = events.on((event) => this.#apply(event));
  }

  /** Subscribes to changes; returns the unsubscribe. */
  onChange(listener: (change: RunChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The plans of the next run's sources. */
  expect(plans: readonly SourcePlan[]): void {
    this.#nextPlan = new Map(plans.map((p) => [p.sourceId, p]));
  }

  /** Sets a source's plan (once its dependencies are stored, the plan is exact). */
  setPlanned(plan: SourcePlan): void {
    const source = this.#run?.sources.get(plan.sourceId);
    if (source === undefined) return;
    delete source.planned;
    delete source.estimated;
    Object.assign(source, plannedOf(plan));
    this.#emit('progress');
  }

  /** Waits for `plan` before a finishing run is declared finished. */
  planning(plan: Promise<unknown>): void {
    const settled = plan.catch(() => undefined);
    this.#planning.add(settled);
    void settled.finally(() => this.#planning.delete(settled));
  }

  view(): RunView | null {
    const run = this.#run;
    if (run === undefined) return null;
    const { sources, ...rest } = run;
    const views = [...sources.values()].map((s) => this.#sourceView(s));
    const etas = views.flatMap((s) => (s.etaMs === undefined ? [] : [s.etaMs]));
    return {
      ...rest,
      ...(run.status === 'running' && etas.length > 0 ? { etaMs: Math.max(...etas) } : {}),
      sources: views,
    };
  }

  close(): void {
    this.#off();
    this.#listeners.clear();
  }

  #sourceView(progress: SourceProgress): RunSourceView {
    const { startedAt, ...view } = progress;
    if (view.planned === undefined) return view;
    const left = Math.max(0, view.planned - view.done - view.dropped);
    const elapsed = startedAt === undefined ? 0 : this.#now() - startedAt;
    // At the source's own rate so far: the limiter keeps it steady, so that is the recent rate.
    const settled = view.done + view.dropped;
    const running = view.status === 'running';
    return {
      ...view,
      left,
      ...(running && settled > 0 ? { etaMs: Math.round((left * elapsed) / settled) } : {}),
    };
  }

  #apply(event: SyncEvent): void {
    if (event.type === 'run-started') {
      this.#start(event.runId, event.sourceIds);
      return;
    }
    const run = this.#run;
    if (run === undefined || run.status !== 'running') return;
    if (event.type === 'run-finished') {
      if (event.runId === run.runId) void this.#finish(run, event);
      return;
    }
    if (!('sourceId' in event)) return;
    const source = run.sources.get(event.sourceId);
    if (source === undefined) return;
    this.#count(source, event);
    this.#emit('progress');
  }

  #start(runId: string, sourceIds: readonly string[]): void {
    const sources = new Map<string, SourceProgress>();
    for (const sourceId of sourceIds) {
      sources.set(sourceId, {
        sourceId,
        status: 'waiting',
        requests: 0,
        done: 0,
        rows: 0,
        retries: 0,
        coolDowns: 0,
        dropped: 0,
        ...plannedOf(this.#nextPlan.get(sourceId)),
      });
    }
    this.#nextPlan = new Map();
    this.#run = {
      runId,
      status: 'running',
      startedAt: new Date(this.#now()).toISOString(),
      sources,
    };
    this.#emit('started');
  }

  #count(source: SourceProgress, event: Exclude<SyncEvent, { type: 'run-started' }>): void {
    switch (event.type) {
      case 'source-started':
        source.status = 'running';
        source.startedAt = this.#now();
        return;
      case 'task-started':
        source.requests++;
        return;
      case 'rows-delivered':
        source.rows += event.rows;
        return;
      case 'task-done':
        source.done++;
        return;
      case 'retried':
        source.retries++;
        return;
      case 'cooled-down':
        source.coolDowns++;
        return;
      case 'dropped':
        source.dropped++;
        return;
      case 'source-finished':
        source.status = event.status === 'running' ? 'running' : event.status;
        // The engine's own totals are the truth at the end.
        source.rows = event.rows;
        source.requests = event.requests;
        if (event.reason !== undefined) source.reason = event.reason;
        return;
      default:
        return;
    }
  }

  async #finish(run: RunProgress, event: Extract<SyncEvent, { type: 'run-finished' }>) {
    await Promise.all([...this.#planning]);
    run.status = event.status === 'running' ? 'failed' : event.status;
    run.endedAt = new Date(this.#now()).toISOString();
    if (event.reason !== undefined) run.reason = event.reason;
    if (event.resumeAfter !== undefined) run.resumeAfter = event.resumeAfter;
    this.#emit('finished');
  }

  #emit(change: RunChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/** What a plan gives a source's view: an unknown count is none (0 would read as nothing to do). */
function plannedOf(plan: SourcePlan | undefined): Pick<SourceProgress, 'planned' | 'estimated'> {
  if (plan === undefined || plan.count === 'unknown') return {};
  return { planned: plan.requests, ...(plan.count === 'estimate' ? { estimated: true } : {}) };
}
