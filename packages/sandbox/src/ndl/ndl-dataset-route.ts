import type { Market } from '../market/market.js';
import { csvLine, CSV_TYPE, JSON_TYPE, type NdlAnswer, type NdlFormat } from './ndl-answer.js';
import {
  applyDatasetQuery,
  parseDatasetQuery,
  publishedRows,
  seriesOrThrow,
} from './ndl-dataset-query.js';
import type { NdlParams } from './ndl-params.js';
import type { NdlSeries } from './ndl-series.js';

/**
 * The three time-series answers: `…/data.json` (`dataset_data`), `….json` (`dataset`, the
 * metadata and the data) and `…/metadata.json` (`dataset`, metadata only), and CSV data.
 */
export type DatasetView = 'data' | 'dataset' | 'metadata';

function metadata(series: NdlSeries, market: Market, oldest: string | null, newest: string | null) {
  return {
    id: series.id,
    dataset_code: series.datasetCode,
    database_code: series.databaseCode,
    name: series.name,
    description: series.description,
    // NDL's form, e.g. "2019-10-09 23:25:19 UTC": the market's last day, after the close.
    refreshed_at: `${newest ?? market.options.end} 22:00:00 UTC`,
    newest_available_date: newest,
    oldest_available_date: oldest,
    column_names: series.columnNames,
    frequency: 'daily',
    type: 'Time Series',
    premium: false,
  };
}

export function answerDataset(
  market: Market,
  databaseCode: string,
  datasetCode: string,
  view: DatasetView,
  format: NdlFormat,
  params: NdlParams,
  asOf: number,
): NdlAnswer {
  const series = seriesOrThrow(databaseCode, datasetCode);
  const all = publishedRows(market, series, asOf);
  const oldest = (all[0]?.[0] as string | undefined) ?? null;
  const newest = (all.at(-1)?.[0] as string | undefined) ?? null;
  const meta = metadata(series, market, oldest, newest);
  if (view === 'metadata') {
    return {
      status: 200,
      contentType: JSON_TYPE,
      body: JSON.stringify({ dataset: { ...meta, database_id: series.databaseId } }),
    };
  }
  const query = parseDatasetQuery(params, series);
  const { columnNames, rows } = applyDatasetQuery(series, all, query);
  if (format === 'csv') {
    const body = [csvLine(columnNames), ...rows.map(csvLine)].join('');
    return { status: 200, contentType: CSV_TYPE, body };
  }
  // Unset parameters echo as null; the trims fall back to the series' own range. Spread
  // after the metadata, these keys land in NDL's order (column_names keeps its place).
  const data = {
    limit: query.limit ?? null,
    transform: null,
    column_index: query.columnIndex ?? null,
    column_names: columnNames,
    start_date: query.startDate ?? oldest,
    end_date: query.endDate ?? newest,
    frequency: 'daily',
    data: rows,
    collapse: query.collapse ?? null,
    order: query.order ?? null,
  };
  const body =
    view === 'data'
      ? { dataset_data: data }
      : { dataset: { ...meta, ...data, database_id: series.databaseId } };
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}
