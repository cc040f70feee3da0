import type { DataSource, SourceState } from '@dsync/datasource';
import type { ControllerContext } from '../context.js';

/**
 * The sources a run covers, dependencies first: those named (with what they read), or those
 * due, `askedAgain` (what their changed settings reopened or forgot) counting as due.
 */
export async function targetsOf(
  ctx: ControllerContext,
  ids: readonly string[] | undefined,
  now: Date,
  askedAgain: ReadonlySet<string> = new Set(),
): Promise<DataSource[]> {
  const { registry, storage } = ctx;
  if (ids !== undefined && ids.length > 0) return registry.resolve(ids);
  const states = new Map<string, SourceState>();
  for (const source of registry.list()) {
    const state = await storage.checkpoints.getSourceState(source.id);
    const due = askedAgain.has(source.id) && state.pendingTasks === 0;
    states.set(source.id, due ? { ...state, pendingTasks: 1 } : state);
  }
  return registry.unsynced(states, now).map((u) => u.source);
}
