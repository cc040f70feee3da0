import { describe, expect, it } from '@jest/globals';
import { periodEnd } from '../src/ndl/ndl-dataset-query.js';
import { NdlError, ndlDatasetRows, type NdlRow, type NdlSandbox } from '../src/ndl/ndl-sandbox.js';
import { BAD_CODE, BAD_PARAMS, catalogColumns, get, isWeekend, startNdl } from './ndl-helpers.js';

// The names dsync reads, not a copy of the replica's: served and expected stay independent.
const GOLD_COLUMNS = catalogColumns('ndl.LBMA.GOLD');

interface DatasetData {
  limit: number | null;
  transform: null;
  column_index: number | null;
  column_names: string[];
  start_date: string;
  end_date: string;
  frequency: string;
  data: NdlRow[];
  collapse: string | null;
  order: string | null;
}

async function data(sb: NdlSandbox, query = '', code = 'LBMA/GOLD'): Promise<DatasetData> {
  const reply = await get(sb, `datasets/${code}/data.json`, query);
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.text) as { dataset_data: DatasetData }).dataset_data;
}

const dates = (rows: readonly NdlRow[]) => rows.map((row) => row[0]);

describe('NDL time series: data.json', () => {
  it("answers NDL's envelope with every open US day, newest first", async () => {
    const sb = await startNdl();
    const reply = await get(sb, 'datasets/LBMA/GOLD/data.json');
    expect(reply.type).toBe('application/json; charset=utf-8');
    const body = JSON.parse(reply.text) as { dataset_data: DatasetData };
    expect(Object.keys(body)).toEqual(['dataset_data']);
    const set = body.dataset_data;
    expect(Object.keys(set)).toEqual([
      'limit',
      'transform',
      'column_index',
      'column_names',
      'start_date',
      'end_date',
      'frequency',
      'data',
      'collapse',
      'order',
    ]);
    expect(set).toMatchObject({
      limit: null,
      transform: null,
      column_index: null,
      column_names: GOLD_COLUMNS,
      start_date: '2024-01-02',
      end_date: '2024-03-29',
      frequency: 'daily',
      collapse: null,
      order: null,
    });
    // Q1 2024: 65 weekdays less New Year's Day.
    expect(set.data).toHaveLength(64);
    expect(set.data).toEqual(ndlDatasetRows(sb.market, 'LBMA', 'GOLD'));
    expect(set.data[0]?.[0]).toBe('2024-03-29');
    expect(set.data.at(-1)?.[0]).toBe('2024-01-02');
    const days = dates(set.data) as string[];
    expect(days.includes('2024-01-01')).toBe(false);
    expect(days.filter(isWeekend)).toEqual([]);
    for (const row of set.data) {
      expect(row).toHaveLength(7);
      const [, usdAm, usdPm, gbpAm] = row;
      if (usdPm !== null) expect(usdPm).toBeGreaterThan(1000);
      if (usdPm !== null) expect(usdPm).toBeLessThan(2500);
      if (usdAm !== null && gbpAm !== null) expect(gbpAm).toBeLessThan(usdAm as number);
    }
  });

  it('trims by start_date and end_date inclusive, orders asc, and limits', async () => {
    const sb = await startNdl();
    const asc = await data(sb, '&start_date=2024-01-05&end_date=2024-01-12&order=asc');
    expect(dates(asc.data)).toEqual([
      '2024-01-05',
      '2024-01-08',
      '2024-01-09',
      '2024-01-10',
      '2024-01-11',
      '2024-01-12',
    ]);
    expect(asc).toMatchObject({ start_date: '2024-01-05', end_date: '2024-01-12', order: 'asc' });
    const limited = await data(sb, '&end_date=2024-01-12&limit=2');
    expect(dates(limited.data)).toEqual(['2024-01-12', '2024-01-11']);
    expect(limited.limit).toBe(2);
    expect((await data(sb, '&limit=1')).data).toEqual([
      ndlDatasetRows(sb.market, 'LBMA', 'GOLD')[0],
    ]);
    expect((await data(sb, '&start_date=2024-02-10&end_date=2024-02-01')).data).toEqual([]);
  });

  it('collapses to the last observation of each period, dated at its end', async () => {
    const sb = await startNdl();
    const daily = ndlDatasetRows(sb.market, 'LBMA', 'GOLD', { order: 'asc' });
    const on = (day: string) => daily.find((row) => row[0] === day)?.slice(1);
    const monthly = await data(sb, '&collapse=monthly&order=asc');
    expect(monthly.collapse).toBe('monthly');
    expect(monthly.data).toEqual([
      ['2024-01-31', ...(on('2024-01-31') ?? [])],
      ['2024-02-29', ...(on('2024-02-29') ?? [])],
      ['2024-03-31', ...(on('2024-03-29') ?? [])],
    ]);
    const weekly = await data(sb, '&collapse=weekly&order=asc');
    expect(weekly.data).toHaveLength(13);
    expect(weekly.data[0]).toEqual(['2024-01-07', ...(on('2024-01-05') ?? [])]);
    expect(dates((await data(sb, '&collapse=quarterly')).data)).toEqual(['2024-03-31']);
    expect(dates((await data(sb, '&collapse=annual')).data)).toEqual(['2024-12-31']);
    expect((await data(sb, '&collapse=daily')).data).toEqual(daily.toReversed());
    expect(periodEnd('2024-05-15', 'quarterly')).toBe('2024-06-30');
    expect(periodEnd('2024-01-07', 'weekly')).toBe('2024-01-07');
  });

  it('answers the date and one column for column_index, the date alone for 0', async () => {
    const sb = await startNdl();
    const pm = await data(sb, '&column_index=2&limit=3');
    expect(pm.column_names).toEqual(['Date', 'USD (PM)']);
    expect(pm.column_index).toBe(2);
    expect(pm.data).toEqual(
      ndlDatasetRows(sb.market, 'LBMA', 'GOLD', { limit: 3 }).map((r) => [r[0], r[2]]),
    );
    const dateOnly = await data(sb, '&column_index=0&limit=1');
    expect(dateOnly.column_names).toEqual(['Date']);
    expect(dateOnly.data).toEqual([['2024-03-29']]);
  });

  it('serves any SANDBOX/{CODE} as Date, Value, and CSV without an envelope', async () => {
    const sb = await startNdl();
    const rows = ndlDatasetRows(sb.market, 'SANDBOX', 'XYZ_1', { order: 'asc', limit: 2 });
    expect(rows.map((r) => r.length)).toEqual([2, 2]);
    const reply = await get(sb, 'datasets/SANDBOX/XYZ_1/data.csv', '&order=asc&limit=2');
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('text/csv; charset=utf-8');
    expect(reply.text).toBe(`Date,Value\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    expect((await data(sb, '', 'SANDBOX/XYZ_1')).column_names).toEqual(['Date', 'Value']);
    // Missing fixings are empty CSV cells.
    const missing = ndlDatasetRows(sb.market, 'LBMA', 'GOLD').find((row) => row.includes(null));
    expect(missing).toBeDefined();
    const day = missing?.[0] as string;
    const csv = await get(sb, 'datasets/LBMA/GOLD/data.csv', `&start_date=${day}&end_date=${day}`);
    expect(csv.text).toBe(`${GOLD_COLUMNS.join(',')}\n${missing?.map((v) => v ?? '').join(',')}\n`);
  });

  it('answers dataset.json and metadata.json with the documented keys', async () => {
    const sb = await startNdl();
    const full = JSON.parse((await get(sb, 'datasets/LBMA/GOLD.json', '&limit=1')).text) as {
      dataset: Record<string, unknown>;
    };
    expect(Object.keys(full.dataset)).toEqual([
      'id',
      'dataset_code',
      'database_code',
      'name',
      'description',
      'refreshed_at',
      'newest_available_date',
      'oldest_available_date',
      'column_names',
      'frequency',
      'type',
      'premium',
      'limit',
      'transform',
      'column_index',
      'start_date',
      'end_date',
      'data',
      'collapse',
      'order',
      'database_id',
    ]);
    expect(full.dataset).toMatchObject({
      dataset_code: 'GOLD',
      database_code: 'LBMA',
      newest_available_date: '2024-03-29',
      oldest_available_date: '2024-01-02',
      type: 'Time Series',
      premium: false,
      limit: 1,
      data: [ndlDatasetRows(sb.market, 'LBMA', 'GOLD')[0]],
    });
    const meta = JSON.parse((await get(sb, 'datasets/LBMA/GOLD/metadata.json')).text) as {
      dataset: Record<string, unknown>;
    };
    expect(meta.dataset.data).toBeUndefined();
    expect(meta.dataset.column_names).toEqual(GOLD_COLUMNS);
  });

  it('answers QECx02 for an unknown code, as JSON or CSV', async () => {
    const sb = await startNdl();
    for (const code of ['LBMA/SILVER', 'NOPE/GOLD', 'SANDBOX/lower']) {
      const reply = await get(sb, `datasets/${code}/data.json`);
      expect([reply.status, JSON.parse(reply.text)]).toEqual([
        404,
        { quandl_error: { code: 'QECx02', message: BAD_CODE } },
      ]);
    }
    const csv = await get(sb, 'datasets/LBMA/SILVER/data.csv');
    expect([csv.status, csv.type, csv.text]).toEqual([
      404,
      'text/csv; charset=utf-8',
      `code,message\nQECx02,${BAD_CODE}\n`,
    ]);
    expect(() => ndlDatasetRows(sb.market, 'LBMA', 'SILVER')).toThrow(NdlError);
  });

  it('answers QESx03/422 for bad parameters and QECx01/400 for unknown routes', async () => {
    const sb = await startNdl();
    for (const query of [
      '&order=up',
      '&limit=0',
      '&limit=two',
      '&start_date=2024-13-01',
      '&end_date=yesterday',
      '&collapse=hourly',
      '&column_index=7',
      '&transform=rdiff',
    ]) {
      const reply = await get(sb, 'datasets/LBMA/GOLD/data.json', query);
      expect([query, reply.status, JSON.parse(reply.text)]).toEqual([
        query,
        422,
        { quandl_error: { code: 'QESx03', message: BAD_PARAMS } },
      ]);
    }
    expect((await get(sb, 'datasets/LBMA/GOLD/data.json', '&transform=none')).status).toBe(200);
    for (const path of ['nope', 'datasets/LBMA/GOLD/data.xml', 'datasets/LBMA', 'datatables/X']) {
      const reply = await get(sb, path);
      expect([
        path,
        reply.status,
        (JSON.parse(reply.text) as { quandl_error: { code: string } }).quandl_error.code,
      ]).toEqual([path, 400, 'QECx01']);
    }
  });
});
