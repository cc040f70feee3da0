import { auditReport, gapArgs, type AuditReport, type RangeOptions } from '@dsync/arg-generation';
import type { ArgContext, CheckpointStore, DataSource } from '@dsync/datasource';

/** A source's audit, with the tasks queued to fill its holes when a backfill was asked for. */
export interface SourceAudit extends AuditReport {
  readonly queued?: number;
}

/**
 * Queues the requests that fill a source's holes as pending tasks: the next sync does
 * unfinished tasks first. A hole's task may be one the ledger has as done (its rows were
 * lost since): it is set back to pending.
 */
async function queueBackfill(
  source: DataSource,
  context: ArgContext,
  checkpoints: CheckpointStore,
  range: RangeOptions,
  now: Date,
): Promise<number> {
  const runId = `audit-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  let queued = 0;
  for await (const args of gapArgs(source, context, range)) {
    const updatedAt = new Date().toISOString();
    const task = { runId, sourceId: source.id, key: args.key, args, attempts: 0, rows: 0 };
    await checkpoints.addTasks([{ ...task, status: 'pending', updatedAt }]);
    await checkpoints.updateTask(source.id, args.key, { status: 'pending', attempts: 0 });
    queued++;
  }
  return queued;
}

/** Audits each source against its calendar grid, and queues the gaps when `backfill` is set. */
export async function auditSources(
  sources: readonly DataSource[],
  context: ArgContext,
  checkpoints: CheckpointStore,
  options: RangeOptions & { readonly backfill?: boolean; readonly now?: Date },
): Promise<SourceAudit[]> {
  const range = {
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
  };
  const reports: SourceAudit[] = [];
  for (const source of sources) {
    const report = await auditReport(source, context, range);
    if (options.backfill !== true) reports.push(report);
    else {
      const now = options.now ?? new Date();
      reports.push({
        ...report,
        queued: await queueBackfill(source, context, checkpoints, range, now),
      });
    }
  }
  return reports;
}
