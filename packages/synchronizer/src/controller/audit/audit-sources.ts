import { auditReport, gapArgs, type AuditReport, type RangeOptions } from '@dsync/arg-generation';
import {
  isFinalAnswer,
  type ArgContext,
  type CheckpointStore,
  type DataSource,
  type RequestArgs,
} from '@dsync/datasource';

/** A source's audit, with what a backfill did of its holes when one was asked for. */
export interface SourceAudit extends AuditReport {
  /** Requests queued to fill holes: the next sync makes them. */
  readonly queued?: number;
  /**
   * With `skipConfirmed`, requests not queued: the provider's final answer (asked after the
   * day settled) is in the ledger, so the hole is the provider's (a suspension, a company that
   * did not file).
   */
  readonly confirmed?: number;
}

/** How many gap requests are looked up in the ledger at once. */
const BATCH = 500;

/**
 * Queues the requests that fill a source's holes as pending tasks: the next sync does
 * unfinished tasks first. A hole's task the ledger has as done is set back to pending (its
 * rows were lost since, or it was asked before its day settled); with `skipConfirmed`, not
 * when its answer was final.
 */
async function queueBackfill(
  source: DataSource,
  context: ArgContext,
  checkpoints: CheckpointStore,
  range: RangeOptions,
  options: { readonly now: Date; readonly skipConfirmed: boolean },
): Promise<{ queued: number; confirmed?: number }> {
  const { now } = options;
  const runId = `audit-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  let queued = 0;
  let confirmed = 0;
  const flush = async (batch: RequestArgs[]) => {
    const finished = await checkpoints.finishedTasks(
      source.id,
      batch.map((a) => a.key),
    );
    const open = batch.filter((args) => {
      const task = finished.get(args.key);
      return !options.skipConfirmed || task === undefined || !isFinalAnswer(args, task.at);
    });
    confirmed += batch.length - open.length;
    const updatedAt = now.toISOString();
    await checkpoints.addTasks(
      open.map((args) => ({
        runId,
        sourceId: source.id,
        key: args.key,
        args,
        status: 'pending' as const,
        attempts: 0,
        rows: 0,
        updatedAt,
      })),
      { reopen: true },
    );
    queued += open.length;
  };
  let batch: RequestArgs[] = [];
  for await (const args of gapArgs(source, context, range)) {
    batch.push(args);
    if (batch.length === BATCH) {
      await flush(batch);
      batch = [];
    }
  }
  await flush(batch);
  return options.skipConfirmed ? { queued, confirmed } : { queued };
}

/** Audits each source against its calendar grid, and queues the gaps when `backfill` is set. */
export async function auditSources(
  sources: readonly DataSource[],
  context: ArgContext,
  checkpoints: CheckpointStore,
  options: RangeOptions & {
    readonly backfill?: boolean;
    readonly skipConfirmed?: boolean;
    /** The clock's time: backfill tasks are recorded at it. */
    readonly now: Date;
  },
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
      const { now } = options;
      reports.push({
        ...report,
        ...(await queueBackfill(source, context, checkpoints, range, {
          now,
          skipConfirmed: options.skipConfirmed === true,
        })),
      });
    }
  }
  return reports;
}
