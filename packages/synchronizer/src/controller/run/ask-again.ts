import type { DataSource } from '@dsync/datasource';
import { sourceSettings } from '../../distributed/run-settings.js';
import type { ControllerContext } from '../context.js';
import type { PlanOptions } from '../options.js';
import { staleTasks } from './dropped.js';

/**
 * What a source's requests are sent with, as a digest recorded with the source: its
 * definition's half, then its account's (label, address, credential).
 */
export function settingsOf(
  ctx: ControllerContext,
  source: DataSource,
): { readonly digest: string; readonly definition: string } {
  const { definition, account } = sourceSettings(source, ctx.limiters, ctx.options.clients);
  return { digest: `${definition}${account}`, definition };
}

/**
 * Before a run picks its sources: asks again what the sources' requests could not get
 * where their settings changed (or when asked), so that such a source is due.
 * @returns the sources that forgot or reopened requests
 */
export async function askAgainAll(
  ctx: ControllerContext,
  options: PlanOptions,
): Promise<Set<string>> {
  const { registry } = ctx;
  const ids = options.ids !== undefined && options.ids.length > 0 ? options.ids : undefined;
  const sources = ids === undefined ? registry.list() : registry.resolve(ids);
  const askedAgain = new Set<string>();
  for (const source of sources)
    if (await askAgain(ctx, source, options.retryDropped === true)) askedAgain.add(source.id);
  return askedAgain;
}

/**
 * Asks again what a source's requests could not get, once its definition or its account's
 * settings changed since its last run (a fixed base URL or dataset code), or when asked.
 * After a change of definition, its requests not done after the cursor are forgotten: they
 * were made from the old definition, and the cursor stayed before them, so the args it now
 * generates take their place. Every other dropped request is made pending.
 * @returns whether it forgot or reopened any
 */
async function askAgain(
  ctx: ControllerContext,
  source: DataSource,
  always: boolean,
): Promise<boolean> {
  const { checkpoints } = ctx.storage;
  const settings = settingsOf(ctx, source);
  const before = await checkpoints.recordSettings(source.id, settings.digest);
  if (!always && before === settings.digest) return false;
  let forgotten = 0;
  if (before?.slice(0, settings.definition.length) !== settings.definition) {
    const { cursor } = await checkpoints.getSourceState(source.id);
    forgotten = await checkpoints.forgetTasks(
      source.id,
      await staleTasks(checkpoints, source, cursor),
    );
  }
  const reopened = await checkpoints.reopenDropped(source.id, new Date(ctx.clock()).toISOString());
  return forgotten + reopened > 0;
}
