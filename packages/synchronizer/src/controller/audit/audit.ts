import { addDays } from '@dsync/arg-generation';
import { DsyncError, type ArgContext, type DataSource } from '@dsync/datasource';
import type { ControllerContext } from '../context.js';
import type { AuditOptions, SettledCheck } from '../options.js';
import { auditSources, type SourceAudit } from './audit-sources.js';

/**
 * What is missing from stored tables against their calendar grid, per source; with
 * `backfill`, the requests that fill the holes are queued for the next sync.
 */
export function audit(ctx: ControllerContext, options: AuditOptions): Promise<SourceAudit[]> {
  const { registry } = ctx;
  // Named sources are audited or refused with the reason; unnamed ones, those that say what a complete table holds.
  const sources =
    options.ids !== undefined && options.ids.length > 0
      ? options.ids.map((id) => registry.get(id))
      : registry.list().filter((s) => s.coverage !== undefined);
  return auditSources(sources, ctx.argContext(), ctx.storage.checkpoints, {
    ...options,
    now: ctx.now(options),
  });
}

/**
 * Where a source's first check starts: its `since`, or the stored calendar's first day when
 * that is later (a source synced from a later day than its definition's `since`).
 */
async function firstCheckedDay(source: DataSource, context: ArgContext) {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  const { since } = source.sync;
  if (leaf.kind !== 'trade-calendar' || since === undefined) return since;
  const calendar = await context.tradeCalendar(leaf.calendar, leaf.exchange);
  return calendar !== undefined && calendar.first > since ? calendar.first : since;
}

/**
 * What a daemon does after each run, so that nothing waits for a person: audits each source
 * with a coverage grid over its settled days not checked yet (after `checked[id]`, else from
 * its `since`) and queues the holes its provider has not confirmed for the next sync. A hole
 * whose final answer is in the ledger (a suspension, a company that did not file) is left.
 */
export async function queueSettledHoles(
  ctx: ControllerContext,
  checked: ReadonlyMap<string, string>,
): Promise<SettledCheck[]> {
  const context = ctx.argContext();
  const checks: SettledCheck[] = [];
  for (const source of ctx.registry.list().filter((s) => s.coverage !== undefined)) {
    const { cursor } = await ctx.storage.checkpoints.getSourceState(source.id);
    const last = checked.get(source.id);
    const since = last === undefined ? await firstCheckedDay(source, context) : addDays(last, 1);
    if (cursor === undefined || since === undefined || since > cursor) continue;
    const range = { start: since, end: cursor };
    try {
      const [report] = await audit(ctx, {
        ids: [source.id],
        since,
        until: cursor,
        backfill: true,
        skipConfirmed: true,
      });
      checks.push({
        sourceId: source.id,
        range,
        missing: report?.missing ?? 0,
        queued: report?.queued ?? 0,
        confirmed: report?.confirmed ?? 0,
      });
    } catch (error) {
      // A source whose calendar or keys are not stored yet is checked once they are.
      if (!(error instanceof DsyncError)) throw error;
      checks.push({
        sourceId: source.id,
        range,
        error: { code: error.code, message: error.message },
      });
    }
  }
  return checks;
}
