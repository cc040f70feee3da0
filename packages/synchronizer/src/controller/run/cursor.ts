import { cursorAfterSync, type RangeOptions } from '@dsync/arg-generation';
import type { ArgContext, DataSource, SourceState } from '@dsync/datasource';
import type { ControllerContext } from '../context.js';
import { cursorBefore, droppedRequests } from './dropped.js';

/**
 * Moves a source's cursor over what a finished run covered: to its last settled day, so the
 * next run asks the days after it again (a snapshot: the day it was taken); never past a
 * dropped request's day.
 */
export async function advanceCursor(
  ctx: ControllerContext,
  source: DataSource,
  context: ArgContext,
  range: RangeOptions & { readonly now: Date; readonly state: SourceState },
): Promise<void> {
  const { checkpoints } = ctx.storage;
  const cursor = cursorBefore(
    (await cursorAfterSync(source, context, range)) ?? range.state.cursor,
    await droppedRequests(checkpoints, source.id),
    range.state.cursor,
  );
  if (cursor !== undefined)
    await checkpoints.advanceCursor(source.id, cursor, new Date(ctx.clock()).toISOString());
}
