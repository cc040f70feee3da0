import { createRequestArgs, type DataSource, type RequestArgs } from '@dsync/datasource';
import type { ArgContext } from './context.js';
import { requestParams } from './params.js';
import { prepare, spanOf, type GenerateOptions, type Prepared } from './prepare.js';
import { leafCells, type Cell } from './strategies/leaf.js';

function toArgs(p: Prepared, cell: Cell, set: Readonly<Record<string, string>> = {}): RequestArgs {
  const params = requestParams(p.source, { ...cell.params, ...set }, p.inputs);
  return createRequestArgs(p.source.id, p.source.api, params, {
    window: cell.window,
    asOf: p.asOf,
    ...(cell.window === undefined ? {} : { settles: p.timing.settlesAt(cell.window.end) }),
  });
}

/** The requests of a prepared source, lazily: keys × cells for a fan-out, oldest first per key. */
export async function* argsOf(p: Prepared): AsyncGenerator<RequestArgs> {
  if (p.fanOut === undefined) {
    for (const cell of leafCells(p.leaf, p.range, p.env)) yield toArgs(p, cell);
    return;
  }
  const { param, keys } = p.fanOut;
  for await (const key of keys) {
    for (const cell of leafCells(p.leaf, spanOf(p.leaf, p.range, key), p.env))
      yield toArgs(p, cell, { [param]: key.key });
  }
}

/**
 * The stream of request args that brings a source up to date: from the day after its
 * cursor (or `since`) to `until`, cut by its arg strategy. Produced lazily; everything it
 * depends on (range, calendar, keys, window size) is checked before the first value, so a
 * bad input yields nothing.
 * @throws ArgGenerationError on the first `next()`
 */
export async function* generateArgs(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions = {},
): AsyncGenerator<RequestArgs> {
  yield* argsOf(await prepare(source, context, options));
}
