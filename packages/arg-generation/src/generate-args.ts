import {
  createRequestArgs,
  type DataSource,
  type RequestArgs,
  type Scalar,
} from '@dsync/datasource';
import type { ArgContext } from './context.js';
import { eachCombinations, requestParams } from './params.js';
import { prepare, spanOf, type GenerateOptions, type Prepared } from './prepare.js';
import { leafCells, type Cell } from './strategies/leaf.js';

function toArgs(p: Prepared, cell: Cell, set: Readonly<Record<string, Scalar>> = {}): RequestArgs {
  const params = requestParams(p.source, { ...cell.params, ...set }, p.inputs);
  return createRequestArgs(p.source.id, p.source.api, params, {
    window: cell.window,
    asOf: p.asOf,
    ...(cell.window === undefined ? {} : { settles: p.timing.settlesAt(cell.window.end) }),
  });
}

/**
 * The requests of a prepared source, lazily: keys × cells × `each` values for a fan-out,
 * oldest first per key.
 */
export async function* argsOf(p: Prepared): AsyncGenerator<RequestArgs> {
  const combinations = eachCombinations(p.source);
  if (p.fanOut === undefined) {
    for (const cell of leafCells(p.leaf, p.range, p.env))
      for (const each of combinations) yield toArgs(p, cell, each);
    return;
  }
  const { param, keys } = p.fanOut;
  for await (const key of keys) {
    for (const cell of leafCells(p.leaf, spanOf(p.leaf, p.range, key), p.env))
      for (const each of combinations) yield toArgs(p, cell, { ...each, [param]: key.key });
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
