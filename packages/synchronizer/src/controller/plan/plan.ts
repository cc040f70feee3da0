import { generateArgs, planArgs } from '@dsync/arg-generation';
import { DsyncError, type DataSource, type RequestArgs } from '@dsync/datasource';
import { triage } from '../../engine/claim-tasks.js';
import type { ControllerContext } from '../context.js';
import type { PlanOptions, SourcePlan } from '../options.js';
import { settingsOf } from '../run/ask-again.js';
import { targetsOf } from '../run/targets.js';
import { estimateOf, estimatingContext, keysNotStored, type PlanEstimate } from './estimate.js';

/**
 * What a sync would ask for, per source, with its time at its scope's limits and its days
 * against the daily quota. Counted before what it reads is stored, a source's plan says
 * so (`count`, `note`): open days are estimated as weekdays, a fan-out's keys are unknown.
 */
export async function plan(ctx: ControllerContext, options: PlanOptions): Promise<SourcePlan[]> {
  const now = ctx.now(options);
  const context = ctx.argContext();
  // Plans only, never runs: a sync reads `context` and requests no day a calendar has not confirmed open.
  const estimating = estimatingContext(context);
  const plans: SourcePlan[] = [];
  for (const source of await targetsOf(ctx, options.ids, now)) {
    const state = await ctx.storage.checkpoints.getSourceState(source.id);
    const limits = ctx.limiters.limitsOf(source);
    const range = { since: options.since, until: options.until, state, now };
    let requests = 0;
    let estimate: PlanEstimate;
    try {
      const counted = await planArgs(source, estimating, range);
      requests = counted.requests;
      estimate = await estimateOf(source, context, counted.range);
      // Counted by arithmetic, unless the ledger holds tasks of the source: then a sync skips
      // the answers that are final and resumes what is left, so count what it would ask.
      if (
        estimate.count === 'exact' &&
        (await ctx.storage.checkpoints.listTasks({ sourceId: source.id, limit: 1 })).length > 0
      ) {
        const reopens =
          options.retryDropped === true || state.settings !== settingsOf(ctx, source).digest;
        requests = await countAsked(
          ctx,
          source,
          generateArgs(source, context, range),
          now,
          reopens,
        );
      }
    } catch (error) {
      // A fan-out whose keys are not stored yet is counted once they are (the run plans it again).
      if (!(error instanceof DsyncError) || error.code !== 'E_MISSING_DEPENDENCY') throw error;
      estimate = keysNotStored(source);
    }
    const perMs = Math.min(...limits.windows.map((w) => w.limit / w.windowMs));
    plans.push({
      sourceId: source.id,
      api: source.api,
      requests,
      etaMs: perMs > 0 && Number.isFinite(perMs) ? Math.ceil(requests / perMs) : 0,
      days: limits.perDay === undefined ? 1 : Math.max(1, Math.ceil(requests / limits.perDay)),
      ...estimate,
    });
  }
  return plans;
}

/**
 * The requests a sync of these args would make: what earlier runs left (with the dropped
 * ones when they are to be asked again), then the args not final in the ledger.
 */
async function countAsked(
  ctx: ControllerContext,
  source: DataSource,
  args: AsyncIterable<RequestArgs>,
  now: Date,
  reopens: boolean,
): Promise<number> {
  const { checkpoints } = ctx.storage;
  const dropped = reopens
    ? await checkpoints.listTasks({
        sourceId: source.id,
        status: 'dropped',
        limit: Number.MAX_SAFE_INTEGER,
      })
    : [];
  const unfinished = await checkpoints.unfinishedTasks(source.id);
  const left = new Set([...unfinished, ...dropped].map((t) => t.key));
  let asked = left.size;
  let batch: RequestArgs[] = [];
  const count = async () => {
    const { fresh, again } = await triage(checkpoints, source, batch, now.getTime());
    asked += fresh.length + again.length;
    batch = [];
  };
  for await (const a of args) {
    if (left.has(a.key)) continue;
    batch.push(a);
    if (batch.length === 500) await count();
  }
  await count();
  return asked;
}
