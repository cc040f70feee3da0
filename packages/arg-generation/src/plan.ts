import type { DataSource } from '@dsync/datasource';
import type { ArgContext } from './context.js';
import { eachCombinations } from './params.js';
import { prepare, spanOf, type GenerateOptions } from './prepare.js';
import type { DateRange } from './range.js';
import { leafCount } from './strategies/leaf.js';

/** What a sync of one source would ask for, counted without making the requests. */
export interface ArgPlan {
  readonly sourceId: string;
  /** First pages; a full page adds continuations, which no plan can know in advance. */
  readonly requests: number;
  /** Requests per interface (`api`). */
  readonly byApi: Readonly<Record<string, number>>;
  /** The days covered; undefined for snapshots and for a source already up to date. */
  readonly range?: DateRange;
  /** Fan-out keys read. */
  readonly keys?: number;
}

/** Counts the requests `generateArgs` would yield with the same inputs, arithmetically. */
export async function planArgs(
  source: DataSource,
  context: ArgContext,
  options: GenerateOptions = {},
): Promise<ArgPlan> {
  const p = await prepare(source, context, options);
  let requests = 0;
  let keys: number | undefined;
  if (p.fanOut === undefined) {
    requests = leafCount(p.leaf, p.range, p.env);
  } else {
    keys = 0;
    for await (const key of p.fanOut.keys) {
      keys++;
      requests += leafCount(p.leaf, spanOf(p.leaf, p.range, key), p.env);
    }
  }
  requests *= eachCombinations(source).length;
  return {
    sourceId: source.id,
    requests,
    byApi: requests === 0 ? {} : { [source.api]: requests },
    ...(p.range === undefined ? {} : { range: p.range }),
    ...(keys === undefined ? {} : { keys }),
  };
}

/** Adds plans up: total requests and their spread over interfaces. */
export function mergePlans(plans: readonly ArgPlan[]): {
  requests: number;
  byApi: Record<string, number>;
} {
  const byApi: Record<string, number> = {};
  for (const plan of plans)
    for (const [api, n] of Object.entries(plan.byApi)) byApi[api] = (byApi[api] ?? 0) + n;
  return { requests: plans.reduce((sum, p) => sum + p.requests, 0), byApi };
}
