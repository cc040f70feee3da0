import { freshnessOf, unsettledOf } from '@dsync/arg-generation';
import { PROVIDER_PROFILES } from '@dsync/datasource';
import { dayIn } from '../../limits/account-limiter.js';
import type { ControllerContext } from '../context.js';
import type { SourceStatus } from '../options.js';
import { droppedRequests } from '../run/dropped.js';

/**
 * Per source: where it stands (the last settled day, the unsettled tail, the last sync),
 * how far behind the provider its table is, rows stored, what is pending or failed, quota
 * used today.
 */
export async function statusOf(ctx: ControllerContext, now: Date): Promise<SourceStatus[]> {
  const { storage, registry, limiters } = ctx;
  const context = ctx.argContext();
  const out: SourceStatus[] = [];
  for (const source of registry.list()) {
    const state = await storage.checkpoints.getSourceState(source.id);
    const failed = await storage.checkpoints.listTasks({
      sourceId: source.id,
      status: 'failed',
      limit: 10_000,
    });
    const day = dayIn(now.getTime(), PROVIDER_PROFILES[source.provider].timezone);
    const quota = await storage.checkpoints.getQuotaUsage(limiters.scopeOf(source), day);
    const rows = storage.countRows === undefined ? undefined : await storage.countRows(source);
    const field = source.coverage?.dateField;
    const latestStored =
      field === undefined || storage.latestDate === undefined
        ? undefined
        : await storage.latestDate(source, field);
    const freshness = await freshnessOf(source, context, latestStored, now);
    const unsettled = await unsettledOf(source, context, state.cursor, now);
    const dropped = await droppedRequests(storage.checkpoints, source.id);
    out.push({
      ...state,
      failedTasks: failed.length,
      quotaUsedToday: quota.used,
      ...(rows === undefined ? {} : { rows }),
      ...(unsettled === undefined ? {} : { unsettled }),
      ...(latestStored === undefined ? {} : { latestStored }),
      ...(freshness === undefined ? {} : { freshness }),
      ...(dropped === undefined ? {} : { dropped }),
    });
  }
  return out;
}
