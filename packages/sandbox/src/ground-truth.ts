import type { Market } from './market/market.js';
import { type MarketOptions } from './market/market.js';
import {
  ndlDatasetRows,
  ndlTableRows,
  type NdlParamsInput,
  type NdlRow,
} from './ndl/ndl-sandbox.js';
import { marketOf } from './options.js';
import { FINAL } from './time/timeline.js';
import { Params } from './tushare/params.js';
import { TUSHARE_TABLES, type Row } from './tushare/tables.js';

export type { Row };

/** When the truth is told. */
export interface TruthOptions {
  /**
   * An instant in ms: the answers are exactly what a replica whose clock reads it serves
   * (days not yet published left out, revised rows still preliminary, statements not yet
   * announced left out). @default the final truth: everything published and revised, what
   * a replica serves today of a market in the past
   */
  readonly asOf?: number;
}

/** The exact tables a replica serves, recomputed from the seed, for tests to compare against. */
export interface GroundTruth {
  readonly market: Market;
  /** The instant it answers as of, in ms; `Infinity` for the final truth. */
  readonly asOf: number;
  /**
   * Every row of a Tushare interface for the given params, in the API's order (newest
   * first), across all pages: what a complete sync of that request must store.
   * @throws Error for an interface the replica does not serve
   */
  tushare(api: string, params?: Readonly<Record<string, string | number>>): Generator<Row>;
  /** The field names of a Tushare interface, in the API's order. */
  tushareFields(api: string): readonly string[];
  /** The rows of an NDL time series for these request parameters, as served (column order). */
  ndlDataset(database: string, dataset: string, params?: NdlParamsInput): NdlRow[];
  /** Every row of an NDL table for these filters, all pages together, as served. */
  ndlTable(vendor: string, table: string, params?: NdlParamsInput): NdlRow[];
}

export function groundTruth(
  market: Market | MarketOptions = {},
  options: TruthOptions = {},
): GroundTruth {
  const m = marketOf(market);
  const asOf = options.asOf ?? FINAL;
  const tableOf = (api: string) => {
    const table = TUSHARE_TABLES.get(api);
    if (table === undefined) throw new Error(`the Tushare replica serves no interface "${api}"`);
    return table;
  };
  return {
    market: m,
    asOf,
    *tushare(api, params = {}) {
      yield* tableOf(api).rows(m, new Params(params), asOf);
    },
    tushareFields: (api) => tableOf(api).fields,
    ndlDataset: (database, dataset, params) =>
      ndlDatasetRows(m, database, dataset, params, { asOf }),
    ndlTable: (vendor, table, params) => ndlTableRows(m, vendor, table, params, { asOf }),
  };
}
