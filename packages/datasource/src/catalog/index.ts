import { parseDataSources } from '../define.js';
import type { DataSource, DataSourceInput } from '../schema/data-source.js';
import { ndlCatalog } from './ndl.js';
import { tushareIndices } from './tushare/indices.js';
import { tushareMarket } from './tushare/market.js';
import { tushareStatements } from './tushare/statements.js';

/** Every built-in definition, as written. */
export const CATALOG_DEFINITIONS: readonly DataSourceInput[] = Object.freeze([
  ...tushareMarket,
  ...tushareIndices,
  ...tushareStatements,
  ...ndlCatalog,
]);

let validated: ReadonlyMap<string, DataSource> | undefined;

/** The built-in catalog, validated once on first use, by id. */
export function builtInCatalog(): ReadonlyMap<string, DataSource> {
  validated ??= new Map(
    parseDataSources(CATALOG_DEFINITIONS, { path: ['catalog'] }).map((s) => [s.id, s]),
  );
  return validated;
}
