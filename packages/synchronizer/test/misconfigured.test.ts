import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, type SourceEntry } from '@dsync/datasource';
import {
  groundTruth,
  Market,
  startNdlSandbox,
  startTushareSandbox,
  storedTruth,
  type NdlSandbox,
  type TushareSandbox,
} from '@dsync/sandbox';
import { createStorage, type KnexStorage } from '@dsync/storage-adapters';
import {
  createNdlClient,
  createTushareClient,
  SyncController,
  type ProviderClient,
  type RunResult,
} from '../src/index.js';

/**
 * A source whose requests cannot succeed as configured (a wrong base URL, a dataset code
 * that does not exist) stops after a few requests, drops nothing, and never moves its
 * cursor; once the config is fixed the next run stores exactly the ground truth. A request
 * dropped among answered ones holds the cursor before its day until it is asked again.
 */
jest.setTimeout(90_000);

const market = new Market({
  seed: 'misconfigured',
  symbols: 6,
  start: '2024-01-01',
  end: '2024-03-29',
});
const RANGE = { since: '2024-01-02', until: '2024-01-31' } as const;

let ndl: NdlSandbox;
let tushare: TushareSandbox;
let storage: KnexStorage;
let dir: string;

afterEach(async () => {
  await ndl.close();
  await tushare.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  ndl = await startNdlSandbox({ market });
  tushare = await startTushareSandbox({ market });
  dir = mkdtempSync(join(tmpdir(), 'dsync-misconfigured-'));
  storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
  await storage.ready();
}

const goodNdl = () => createNdlClient({ apiKey: ndl.apiKey, baseUrl: ndl.baseUrl });
const goodTushare = () => createTushareClient({ token: tushare.token, baseUrl: tushare.baseUrl });

/** A controller over the shared storage, as a new process with this config would build it. */
function controller(
  entries: SourceEntry[],
  clients: { ndl?: ProviderClient; tushare?: ProviderClient },
) {
  const registry = DataSourceRegistry.load(entries);
  const sync = new SyncController({
    registry,
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
    },
    clients,
    accounts: {
      ndl: { limits: { windows: [{ limit: 300, windowMs: 1_000 }], maxConcurrent: 4 } },
      tushare: {
        limits: {
          windows: [{ limit: 2_000, windowMs: 1_000 }],
          perInterface: true,
          maxConcurrent: 4,
        },
      },
    },
  });
  // Requests that left, per source: what the provider was asked.
  const asked = new Map<string, number>();
  sync.events.on((event) => {
    if (event.type === 'task-started')
      asked.set(event.sourceId, (asked.get(event.sourceId) ?? 0) + 1);
  });
  return { sync, registry, asked };
}

const byStatus = async (sourceId: string) => {
  const tasks = await storage.checkpoints.listTasks({ sourceId, limit: 100_000 });
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
};

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** SEP's stored (ticker, date) pairs and the replica's, over the range. */
async function sepKeys(registry: DataSourceRegistry, id = 'ndl.SHARADAR.SEP') {
  const stored = await storage.readRows(registry.get(id));
  const truth = groundTruth(market).ndlTable('SHARADAR', 'SEP', {
    'date.gte': RANGE.since,
    'date.lte': RANGE.until,
    'qopts.columns': 'ticker,date',
  });
  return {
    stored: stored.map((r) => `${text(r['ticker'])} ${text(r['date'])}`).sort(),
    truth: truth.map((row) => `${text(row[0])} ${text(row[1])}`).sort(),
  };
}

async function goldDates(registry: DataSourceRegistry) {
  const stored = await storage.readRows(registry.get('ndl.LBMA.GOLD'));
  const truth = groundTruth(market).ndlDataset('LBMA', 'GOLD', {
    start_date: RANGE.since,
    end_date: RANGE.until,
  });
  return { stored: stored.map((r) => text(r['date'])), truth: truth.map((r) => text(r[0])).sort() };
}

const reasonOf = (result: RunResult, id: string) =>
  result.sources.find((s) => s.sourceId === id)?.reason?.code;

describe('a misconfigured source never poisons its cursor', () => {
  it('NDL: a wrong base URL stops the source at its first request; the fixed one stores exactly the ground truth', async () => {
    await start();
    const ids = ['ndl.SHARADAR.SEP', 'ndl.LBMA.GOLD'];
    // A proxy prefix the replica does not have: every URL is a route NDL does not know (QECx01).
    const wrong = createNdlClient({ apiKey: ndl.apiKey, baseUrl: `${ndl.url}/proxy/api/v3` });
    const first = controller(ids, { ndl: wrong });
    const failed = await first.sync.sync({ ...RANGE });

    expect(failed.status).toBe('failed');
    expect(failed.reason?.code).toBe('E_MISCONFIGURED_ADDRESS');
    expect(failed.reason?.message).toMatch(
      /^ndl\.(SHARADAR\.SEP|LBMA\.GOLD) stopped: its request was refused \(QECx01 .*\); the ndl account's base URL is wrong/,
    );
    // Until a first answer, at most 3 requests of a source are out. GOLD runs beside SEP on
    // the same account: the first refusal halts both, each before a 4th request.
    const asked = [...first.asked.values()];
    expect(asked.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    for (const n of asked) expect(n).toBeLessThanOrEqual(3);
    expect(reasonOf(failed, 'ndl.SHARADAR.SEP')).toBe('E_MISCONFIGURED_ADDRESS');
    expect(reasonOf(failed, 'ndl.LBMA.GOLD')).toBe('E_MISCONFIGURED_ADDRESS');
    for (const id of ids) {
      expect((await storage.checkpoints.getSourceState(id)).cursor).toBeUndefined();
      expect(await storage.checkpoints.listTasks({ sourceId: id, status: 'dropped' })).toEqual([]);
    }
    // The refused requests failed (the one halted by the other's refusal left its own pending).
    const ledgers = await Promise.all(ids.map((id) => byStatus(id)));
    expect(ledgers.reduce((n, l) => n + (l['failed'] ?? 0), 0)).toBeGreaterThanOrEqual(1);
    for (const ledger of ledgers) expect(ledger['done']).toBeUndefined();

    const fixed = controller(ids, { ndl: goodNdl() });
    const done = await fixed.sync.sync({ ...RANGE });
    expect(done.status).toBe('done');
    const sep = await sepKeys(fixed.registry);
    expect(sep.stored).toEqual(sep.truth);
    expect(sep.stored.length).toBeGreaterThan(100);
    const gold = await goldDates(fixed.registry);
    expect(gold.stored).toEqual(gold.truth);
    expect((await storage.checkpoints.getSourceState('ndl.SHARADAR.SEP')).cursor).toBe(RANGE.until);
  });

  it('Tushare: a wrong base URL stops the calendar at its first request, and what reads it is not asked', async () => {
    await start();
    const ids = ['tushare.trade_cal', 'tushare.daily'];
    const wrong = createTushareClient({ token: tushare.token, baseUrl: `${tushare.url}/proxy` });
    const first = controller(ids, { tushare: wrong });
    const failed = await first.sync.sync({ ...RANGE });
    expect(failed.status).toBe('failed');
    expect(failed.reason?.code).toBe('E_MISCONFIGURED_ADDRESS');
    expect(failed.reason?.message).toMatch(/HTTP 404/);
    // One window: one request for the calendar; daily reads it, and shares the account.
    expect(Object.fromEntries(first.asked)).toEqual({ 'tushare.trade_cal': 1 });
    expect(failed.sources.map((s) => [s.sourceId, s.status, s.requests, s.reason?.code])).toEqual([
      ['tushare.trade_cal', 'failed', 1, 'E_MISCONFIGURED_ADDRESS'],
      ['tushare.daily', 'failed', 0, 'E_DEPENDENCY_FAILED'],
    ]);

    const fixed = controller(ids, { tushare: goodTushare() });
    expect((await fixed.sync.sync({ ...RANGE })).status).toBe('done');
    const daily = fixed.registry.get('tushare.daily');
    const truth = storedTruth(market, daily, { start_date: '20240102', end_date: '20240131' });
    expect(await storage.readRows(daily)).toEqual(truth);
    expect(truth.length).toBeGreaterThan(100);
  });

  it('one dataset code in three that does not exist fails alone after 3 requests; the other two complete', async () => {
    await start();
    const entries: SourceEntry[] = [
      'ndl.SHARADAR.SEP',
      { extends: 'ndl.SHARADAR.SEP', id: 'my.SEPX', api: 'datatables/SHARADAR/SEPX' },
      'ndl.LBMA.GOLD',
    ];
    const run = controller(entries, { ndl: goodNdl() });
    const result = await run.sync.sync({ ...RANGE });

    expect(result.sources.map((s) => [s.sourceId, s.status, s.dropped])).toEqual([
      ['ndl.SHARADAR.SEP', 'done', 0],
      ['my.SEPX', 'failed', 0],
      ['ndl.LBMA.GOLD', 'done', 0],
    ]);
    expect(run.asked.get('my.SEPX')).toBe(3);
    expect(reasonOf(result, 'my.SEPX')).toBe('E_MISCONFIGURED_API');
    expect(result.reason?.message).toMatch(
      /^my\.SEPX stopped: its first 3 requests were all refused the same way \(QECx02 .*\); the interface or dataset code "datatables\/SHARADAR\/SEPX" is likely wrong/,
    );
    // Nothing dropped: its three requests failed with the reason, and its cursor stays unset.
    const ledger = await byStatus('my.SEPX');
    expect([ledger['failed'], ledger['dropped'], ledger['done']]).toEqual([
      3,
      undefined,
      undefined,
    ]);
    expect((await storage.checkpoints.getSourceState('my.SEPX')).cursor).toBeUndefined();
    const sep = await sepKeys(run.registry);
    expect(sep.stored).toEqual(sep.truth);
    const gold = await goldDates(run.registry);
    expect(gold.stored).toEqual(gold.truth);

    // The code fixed in the definition: the failed requests, made with the old code, are
    // forgotten and the fixed definition's own are asked.
    const fixedEntries: SourceEntry[] = [
      'ndl.SHARADAR.SEP',
      { extends: 'ndl.SHARADAR.SEP', id: 'my.SEPX', api: 'datatables/SHARADAR/SEP' },
      'ndl.LBMA.GOLD',
    ];
    const fixed = controller(fixedEntries, { ndl: goodNdl() });
    const again = await fixed.sync.sync({ ...RANGE });
    expect(again.status).toBe('done');
    expect([...fixed.asked.keys()]).toEqual(['my.SEPX']);
    const mine = await sepKeys(fixed.registry, 'my.SEPX');
    expect(mine.stored).toEqual(sep.truth);
  });

  it('a request dropped among answered ones holds the cursor before its day, until it is asked again', async () => {
    await start();
    // One exchange in three the replica does not know: its requests are refused, one per window.
    const calendar = (exchanges: string[]): SourceEntry => ({
      extends: 'tushare.trade_cal',
      id: 'my.cal',
      params: { exchange: { kind: 'each', values: exchanges } },
      args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 14 },
    });
    const first = controller([calendar(['SSE', 'XSHX', 'SZSE'])], { tushare: goodTushare() });
    const result = await first.sync.sync({ ids: ['my.cal'], ...RANGE });
    // 30 days in 14-day windows: 3 windows per exchange.
    expect(result.sources.map((s) => [s.status, s.requests, s.dropped])).toEqual([['done', 9, 3]]);
    expect((await storage.checkpoints.getSourceState('my.cal')).cursor).toBe('2024-01-01');
    const [status] = await first.sync.status();
    expect(status?.dropped).toEqual({
      tasks: 3,
      first: '2024-01-02',
      last: '2024-01-30',
      undated: 0,
    });

    // Asked again on request, they go first and are refused the same way three times in a
    // row: the definition's exchange is wrong, and says so. Nothing else is asked.
    const retried = await first.sync.sync({ ids: ['my.cal'], ...RANGE, retryDropped: true });
    expect(retried.sources.map((s) => [s.status, s.requests, s.dropped])).toEqual([
      ['failed', 3, 0],
    ]);
    expect(retried.reason?.code).toBe('E_MISCONFIGURED_PARAMS');
    expect(retried.reason?.message).toMatch(/不支持的交易所: XSHX/);
    expect(await byStatus('my.cal')).toEqual({ done: 6, failed: 3 });
    expect((await storage.checkpoints.getSourceState('my.cal')).cursor).toBe('2024-01-01');

    // The definition fixed: the failed requests are forgotten, the cursor passes.
    const fixed = controller([calendar(['SSE', 'SZSE'])], { tushare: goodTushare() });
    const done = await fixed.sync.sync({ ids: ['my.cal'], ...RANGE });
    expect(done.sources.map((s) => [s.status, s.requests, s.dropped])).toEqual([['done', 0, 0]]);
    expect((await storage.checkpoints.getSourceState('my.cal')).cursor).toBe(RANGE.until);
    expect((await fixed.sync.status())[0]?.dropped).toBeUndefined();
    const source = fixed.registry.get('my.cal');
    const truth = ['SSE', 'SZSE'].flatMap((exchange) =>
      storedTruth(market, source, { exchange, start_date: '20240102', end_date: '20240131' }),
    );
    const key = (r: Record<string, unknown>) => `${text(r['exchange'])} ${text(r['cal_date'])}`;
    expect((await storage.readRows(source)).map(key)).toEqual(truth.map(key).sort());
  });

  it('asks dropped requests again when the account settings change', async () => {
    await start();
    const entries: SourceEntry[] = [
      { extends: 'ndl.LBMA.GOLD', id: 'my.GOLDX', api: 'datasets/LBMA/GOLDX' },
      'ndl.LBMA.GOLD',
    ];
    const first = controller(entries, { ndl: goodNdl() });
    const result = await first.sync.sync({ ...RANGE });
    // One request, refused: dropped (no pattern of three), its day held.
    expect(result.sources.map((s) => [s.sourceId, s.status, s.requests, s.dropped])).toEqual([
      ['my.GOLDX', 'done', 1, 1],
      ['ndl.LBMA.GOLD', 'done', 1, 0],
    ]);
    expect((await storage.checkpoints.getSourceState('my.GOLDX')).cursor).toBe('2024-01-01');

    // The same settings: the dropped request is final.
    const same = controller(entries, { ndl: goodNdl() });
    await same.sync.sync({ ...RANGE });
    expect(same.asked.get('my.GOLDX')).toBeUndefined();

    // The account's address written another way (the same replica): asked again, once.
    const other = createNdlClient({
      apiKey: ndl.apiKey,
      baseUrl: ndl.baseUrl.replace('127.0.0.1', 'localhost'),
    });
    const changed = controller(entries, { ndl: other });
    await changed.sync.sync({ ...RANGE });
    expect(changed.asked.get('my.GOLDX')).toBe(1);
    expect(await byStatus('my.GOLDX')).toEqual({ dropped: 1 });
  });

  it('heals a store whose cursor an earlier version moved past a dropped request', async () => {
    await start();
    const ids = ['ndl.LBMA.GOLD'];
    const first = controller(ids, { ndl: goodNdl() });
    expect((await first.sync.sync({ ...RANGE })).status).toBe('done');
    // As version 0.1 left it: the request dropped, its rows missing, the cursor past it, and
    // no settings recorded.
    const db = storage.knex;
    await db('dsync_tasks').update({ status: 'dropped', last_error_code: 'E_BAD_ARGUMENT' });
    await db('ndl_lbma_gold').delete();
    await db('dsync_sources').update({ settings: null });
    expect((await storage.checkpoints.getSourceState('ndl.LBMA.GOLD')).cursor).toBe(RANGE.until);

    const upgraded = controller(ids, { ndl: goodNdl() });
    const healed = await upgraded.sync.sync({ ...RANGE });
    expect(healed.status).toBe('done');
    expect(upgraded.asked.get('ndl.LBMA.GOLD')).toBe(1);
    const gold = await goldDates(upgraded.registry);
    expect(gold.stored).toEqual(gold.truth);
    expect(await byStatus('ndl.LBMA.GOLD')).toEqual({ done: 1 });
  });
});
