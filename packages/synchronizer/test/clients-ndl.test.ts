import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineDataSource } from '@dsync/datasource';
import { groundTruth, type NdlSandbox } from '@dsync/sandbox';
import {
  clientOf,
  gold,
  JANUARY,
  leakTexts,
  MARKET,
  ndlFetches,
  SECRETS,
  sep,
  sourceOf,
  startNdl,
} from './client-helpers.js';

const wiki = sourceOf('ndl.WIKI.PRICES');

/** Every result and error of this file, for the leak check at the end. */
const { seen, fetchOnce } = ndlFetches();

let sandbox: NdlSandbox;
beforeAll(async () => {
  sandbox = await startNdl();
});
afterAll(() => sandbox.close());

describe('NDL client: time series', () => {
  it('returns LBMA/GOLD rows under local names (`USD (AM)` → usd_am), equal to the ground truth', async () => {
    const result = await fetchOnce(clientOf(sandbox), gold, JANUARY);
    const truth = groundTruth(MARKET).ndlDataset('LBMA', 'GOLD', JANUARY);
    expect(result.outcome).toEqual({ kind: 'rows', rows: truth.length });
    expect(result.columns).toEqual([
      'date',
      'usd_am',
      'usd_pm',
      'gbp_am',
      'gbp_pm',
      'euro_am',
      'euro_pm',
    ]);
    expect(result.rows).toEqual(truth);
    expect(result.nextCursor).toBeUndefined();
    expect(result.status).toBe(200);
    expect(truth.length).toBeGreaterThan(15);
  });

  it('drops the columns a narrower definition does not name, and says which', async () => {
    const narrow = defineDataSource({
      id: 'test.gold_usd',
      provider: 'ndl',
      api: 'datasets/LBMA/GOLD',
      fields: [
        { name: 'day', type: 'date', from: 'Date' },
        { name: 'usd_pm', type: 'float', from: 'USD (PM)' },
      ],
      primaryKey: ['day'],
    });
    const result = await fetchOnce(clientOf(sandbox), narrow, JANUARY);
    const truth = groundTruth(MARKET).ndlDataset('LBMA', 'GOLD', JANUARY);
    expect(result.columns).toEqual(['day', 'usd_pm']);
    expect(result.rows).toEqual(truth.map((row) => [row[0], row[2]]));
    expect(result.detail).toBe(
      'dropped columns no field names: USD (AM), GBP (AM), GBP (PM), EURO (AM), EURO (PM)',
    );
  });

  it('answers empty for a window without an open day', async () => {
    const result = await fetchOnce(clientOf(sandbox), gold, {
      start_date: '2024-01-06',
      end_date: '2024-01-07',
    });
    expect(result).toEqual({ outcome: { kind: 'empty' }, status: 200 });
  });
});

describe('NDL client: tables', () => {
  it('pages SHARADAR/SEP through nextCursor; the pages together equal the ground truth', async () => {
    const client = clientOf(sandbox);
    const window = { 'date.gte': '2024-01-02', 'date.lte': '2024-01-05' };
    const rows: (readonly unknown[])[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const params = {
        ...window,
        'qopts.per_page': 7,
        ...(cursor ? { 'qopts.cursor_id': cursor } : {}),
      };
      const page = await fetchOnce(client, sep, params);
      expect(page.outcome.kind).toBe('rows');
      expect(page.columns).toEqual(sep.fields.map((field) => field.name));
      rows.push(...(page.rows ?? []));
      cursor = page.nextCursor;
      expect(cursor === null || typeof cursor === 'string').toBe(true);
      pages += 1;
    } while (cursor !== null && pages < 50);
    const truth = groundTruth(MARKET).ndlTable('SHARADAR', 'SEP', window);
    expect(pages).toBe(Math.ceil(truth.length / 7));
    expect(rows).toEqual(truth);
  });

  it('maps WIKI/PRICES `ex-dividend` to ex_dividend', async () => {
    const params = { ticker: 'BAC', 'date.gte': '2024-01-02', 'date.lte': '2024-01-31' };
    const truth = groundTruth(MARKET).ndlTable('WIKI', 'PRICES', params);
    const result = await fetchOnce(clientOf(sandbox), wiki, params);
    expect(truth.length).toBeGreaterThan(15);
    expect(result.columns).toContain('ex_dividend');
    expect(result.columns).toEqual(wiki.fields.map((field) => field.name));
    expect(result.rows).toEqual(truth);
    expect(result.nextCursor).toBeNull();
  });

  it('answers empty with a null cursor when no row matches', async () => {
    const result = await fetchOnce(clientOf(sandbox), sep, {
      'date.gte': '2024-01-06',
      'date.lte': '2024-01-07',
    });
    expect(result).toEqual({ outcome: { kind: 'empty' }, nextCursor: null, status: 200 });
  });
});

describe('NDL client: the key never leaks', () => {
  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(5);
    const texts = leakTexts(seen);
    for (const secret of SECRETS) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });
});
