import { Cron } from 'croner';
import type { SourceState } from '../ports/ledger.js';
import type { DataSource } from '../schema/data-source.js';

/**
 * Why a source needs a sync now:
 * - `never-synced`: no run has completed it;
 * - `pending-tasks`: an earlier run stopped or crashed and left tasks;
 * - `schedule`: a fire time of its cron schedule has passed since its last sync;
 * - `freshness`: its last sync is older than its freshness allows.
 */
export type UnsyncedReason = 'never-synced' | 'pending-tasks' | 'schedule' | 'freshness';

export interface StalenessVerdict {
  readonly reason: UnsyncedReason;
  /** Since when it has been due (ISO), when that is known. */
  readonly dueSince?: string;
}

/** Whether a source is unsynced at `now`, and why; undefined when it is current. */
export function staleness(
  source: DataSource,
  state: SourceState | undefined,
  now: Date,
): StalenessVerdict | undefined {
  if (state?.lastSyncedAt === undefined) return { reason: 'never-synced' };
  if (state.pendingTasks > 0) return { reason: 'pending-tasks' };
  const last = new Date(state.lastSyncedAt);
  const { schedule, timezone, freshness } = source.sync;
  if (schedule !== undefined) {
    const next = new Cron(schedule, { timezone, paused: true }).nextRun(last);
    if (next !== null && next.getTime() <= now.getTime())
      return { reason: 'schedule', dueSince: next.toISOString() };
  }
  if (freshness !== undefined && now.getTime() - last.getTime() > freshness) {
    return { reason: 'freshness', dueSince: new Date(last.getTime() + freshness).toISOString() };
  }
  return undefined;
}
