import type { LedgerError, RunStatus } from '@dsync/datasource';

/** What the graph needs of a source's result: how it ended and why. */
export interface GraphResult {
  readonly sourceId: string;
  readonly status: Exclude<RunStatus, 'running'>;
  readonly reason?: LedgerError;
  readonly resumeAfter?: string;
}

export interface RunGraphOptions<R extends GraphResult> {
  /** The run's sources, each after what it reads. */
  readonly ids: readonly string[];
  /** The sources a source reads; those outside the run are taken as settled. */
  readonly dependenciesOf: (id: string) => readonly string[];
  /** Runs one source; called once every source it reads in this run is done. */
  readonly run: (id: string) => Promise<R>;
  /**
   * Why a ready source must not start, given the results so far (a failure that blames
   * what it shares with a source that ended, such as its account's address).
   */
  readonly heldBack: (id: string, ended: ReadonlyMap<string, R>) => R | undefined;
  /** The result of a source whose dependency did not finish. */
  readonly notRun: (id: string, dependency: R) => R;
  /** Once aborted, no source starts: those not started end as `notStarted` says. */
  readonly signal: AbortSignal;
  readonly notStarted: (id: string) => R;
}

/**
 * Runs a run's sources as a dependency graph: each starts as soon as every source it reads
 * in the run is done, independent ones at the same time (each request then waits only for
 * its own scope's limits). A source that does not finish stops itself and what reads it;
 * every other source goes on.
 * @returns the results in the run's order, and in the order the sources ended
 */
export async function runGraph<R extends GraphResult>(
  options: RunGraphOptions<R>,
): Promise<{ readonly results: R[]; readonly byEnd: R[] }> {
  const { ids, signal } = options;
  const inRun = new Set(ids);
  const ended = new Map<string, R>();
  const running = new Map<string, Promise<void>>();
  const waiting = [...ids];

  /** The first dependency in the run that ended short of done; `ready` false while one runs. */
  const readiness = (id: string): { ready: boolean; failed?: R } => {
    for (const dep of options.dependenciesOf(id)) {
      if (!inRun.has(dep)) continue;
      const result = ended.get(dep);
      if (result === undefined) return { ready: false };
      if (result.status !== 'done') return { ready: true, failed: result };
    }
    return { ready: true };
  };

  const startReady = () => {
    for (let i = 0; i < waiting.length;) {
      const id = waiting[i] as string;
      const { ready, failed } = signal.aborted ? { ready: true } : readiness(id);
      if (!ready) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      const skipped = signal.aborted
        ? options.notStarted(id)
        : failed !== undefined
          ? options.notRun(id, failed)
          : options.heldBack(id, ended);
      if (skipped !== undefined) {
        ended.set(id, skipped);
        i = 0; // what reads it may be ready to end too
        continue;
      }
      running.set(
        id,
        options.run(id).then((result) => {
          ended.set(id, result);
          running.delete(id);
        }),
      );
    }
  };

  startReady();
  while (running.size > 0) {
    await Promise.race(running.values());
    startReady();
  }
  return { results: ids.map((id) => ended.get(id) as R), byEnd: [...ended.values()] };
}

/** How serious an ending is, for the run's: the most serious source's ending is the run's. */
const SEVERITY: Readonly<Record<GraphResult['status'], number>> = {
  done: 0,
  stopped: 1,
  failed: 2,
  cancelled: 3,
};

/**
 * The run's ending: the most serious of its sources' (cancelled, then failed, then stopped),
 * with that source's reason. Given in the order they ended, the first wins a tie: the cause,
 * not a source that failed because of it.
 */
export function runOutcome(
  results: readonly GraphResult[],
): Pick<GraphResult, 'status' | 'reason' | 'resumeAfter'> {
  let worst: GraphResult | undefined;
  for (const r of results) if (SEVERITY[r.status] > SEVERITY[worst?.status ?? 'done']) worst = r;
  if (worst === undefined) return { status: 'done' };
  return {
    status: worst.status,
    ...(worst.reason === undefined ? {} : { reason: worst.reason }),
    ...(worst.resumeAfter === undefined ? {} : { resumeAfter: worst.resumeAfter }),
  };
}
