import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, type SourceEntry } from '@dsync/datasource';
import { groundTruth, Market, startNdlSandbox, type NdlSandbox } from '@dsync/sandbox';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import { createNdlClient, SyncController } from '../src/index.js';

jest.setTimeout(60_000);
const market = new Market({
  seed: 'ndl-engine',
  symbols: 8,
  start: '2024-01-01',
  end: '2024-03-29',
});
let sandbox: NdlSandbox | undefined;
let storage: KnexStorage | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sandbox?.close();
  await storage?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function controllerFor(ids: (string | SourceEntry)[]) {
  sandbox = await startNdlSandbox({ market });
  dir = mkdtempSync(join(tmpdir(), 'dsync-ndl-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'ndl.db')}` });
  await storage.ready();
  const s = storage;
  const controller = new SyncController({
    registry: DataSourceRegistry.load(ids),
    storage: { sink: s, checkpoints: s.checkpoints, argContext: (f) => s.argContext(f) },
    clients: { ndl: createNdlClient({ apiKey: sandbox.apiKey, baseUrl: `${sandbox.url}/api/v3` }) },
    accounts: {
      ndl: { limits: { windows: [{ limit: 300, windowMs: 10_000 }], maxConcurrent: 2 } },
    },
  });
  return { controller, storage: s, registry: DataSourceRegistry.load(ids) };
}

const iso = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

describe('SyncController against the NDL replica', () => {
  it('syncs a time series: the stored rows are the served series', async () => {
    const { controller, storage: s } = await controllerFor(['ndl.LBMA.GOLD']);
    const result = await controller.sync({
      ids: ['ndl.LBMA.GOLD'],
      since: '2024-01-01',
      until: '2024-03-29',
    });
    expect(result.status).toBe('done');
    const stored = await s.readRows(
      DataSourceRegistry.load(['ndl.LBMA.GOLD']).get('ndl.LBMA.GOLD'),
    );
    const truth = groundTruth(market).ndlDataset('LBMA', 'GOLD', {
      start_date: '2024-01-01',
      end_date: '2024-03-29',
    });
    expect(stored.map((r) => r['date'])).toEqual(truth.map((row) => iso(row[0])).sort());
    expect(stored.length).toBeGreaterThan(50);
  });

  it('syncs a table day by day, following cursors: every row of the ground truth, once', async () => {
    const { controller, storage: s } = await controllerFor(['ndl.SHARADAR.SEP']);
    const result = await controller.sync({
      ids: ['ndl.SHARADAR.SEP'],
      since: '2024-01-01',
      until: '2024-01-31',
    });
    expect(result.status).toBe('done');
    const stored = await s.readRows(
      DataSourceRegistry.load(['ndl.SHARADAR.SEP']).get('ndl.SHARADAR.SEP'),
    );
    const truth = groundTruth(market).ndlTable('SHARADAR', 'SEP', {
      'date.gte': '2024-01-01',
      'date.lte': '2024-01-31',
      'qopts.columns': 'ticker,date',
    });
    expect(stored.map((r) => `${String(r['ticker'])} ${String(r['date'])}`).sort()).toEqual(
      truth.map((row) => `${iso(row[0])} ${iso(row[1])}`).sort(),
    );
  });
});
