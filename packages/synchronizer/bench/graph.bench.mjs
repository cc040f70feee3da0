#!/usr/bin/env node
// Every source at once, each within its own scope (issue 19): for 2, 4 and 8 Tushare
// interfaces, the wall time of one sync of all of them against the ideal (the slowest scope's
// calls divided by its limit), beside a serial loop syncing the same sources one after another
// through the same controller. Documented limits (200 calls a minute per interface, the
// 2,000-point tier) and realistic answer times (150–300 ms), with time compressed tenfold on
// both sides: a 6 s "minute" and 15–30 ms answers, so a run takes seconds, not minutes.
//   node bench/graph.bench.mjs [--quick]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG_DEFINITIONS, DataSourceRegistry } from '@dsync/datasource';
import { Market } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import { createTushareClient, SyncController } from '@dsync/synchronizer';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const TOKEN = 'bench-token-0123456789';
const COMPRESSION = 10;
const WINDOW_MS = 60_000 / COMPRESSION;
const PER_MINUTE = 200;
const LATENCY_MS = [150 / COMPRESSION, 300 / COMPRESSION];
const market = new Market({
  seed: 'graph',
  symbols: 20,
  start: '2023-01-01',
  end: quick ? '2023-03-31' : '2023-12-31',
});
const RANGE = { since: market.options.start, until: market.options.end };

/** One request per open day on each interface: the same count of calls in every scope. */
const byDay = { kind: 'trade-calendar', param: 'trade_date' };
const fixed = (value) => ({ kind: 'fixed', value });
/** A catalog definition to build on: an interface asked per open day for one code. */
const definitionOf = (id) => CATALOG_DEFINITIONS.find((d) => d.id === id);
/** Its coverage names the keys of a fan-out it no longer has. */
const withoutCoverage = ({ coverage: _, ...definition }) => definition;
const INTERFACES = [
  'tushare.daily',
  'tushare.adj_factor',
  // daily's definition on the weekly interface: asked per open day like the others.
  {
    extends: 'tushare.daily',
    id: 'bench.weekly',
    api: 'weekly',
    storage: { table: 'bench_weekly' },
  },
  'tushare.daily_basic',
  {
    extends: 'tushare.daily',
    id: 'bench.monthly',
    api: 'monthly',
    storage: { table: 'bench_monthly' },
  },
  ...['index_daily', 'income', 'cashflow'].map((api) => ({
    ...withoutCoverage(definitionOf(`tushare.${api}`)),
    id: `bench.${api}`,
    storage: { table: `bench_${api}` },
    params: { ts_code: fixed(api === 'index_daily' ? '000001.SH' : '000001.SZ') },
    args: byDay,
  })),
];
const idOf = (entry) => (typeof entry === 'string' ? entry : (entry.id ?? entry.extends));

/** The replica in its own process, as a real API would be. */
async function forkSandbox() {
  const child = fork(join(import.meta.dirname, 'serve-sandbox.mjs'), [
    JSON.stringify({
      market: market.options,
      token: TOKEN,
      tier: { perMinute: PER_MINUTE, apis: 'all' },
      windowMs: WINDOW_MS,
      latencyMs: LATENCY_MS,
    }),
  ]);
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  return {
    url,
    counters: async () => (await ask('report')).counters,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('close');
      }),
  };
}

/** A fresh store with the calendar synced (unmeasured), and a controller over `entries`. */
async function setup(sandbox, entries) {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-graph-bench-'));
  const storage = createStorage({ url: `sqlite:${join(dir, 'bench.db')}` });
  await storage.ready();
  const controller = new SyncController({
    registry: DataSourceRegistry.load(['tushare.trade_cal', ...entries]),
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
    },
    clients: {
      tushare: createTushareClient({ token: TOKEN, baseUrl: sandbox.url, rateWindowMs: WINDOW_MS }),
    },
    accounts: {
      tushare: {
        limits: {
          windows: [{ limit: PER_MINUTE, windowMs: WINDOW_MS }],
          perInterface: true,
          maxConcurrent: 4,
        },
      },
    },
  });
  await controller.sync({ ids: ['tushare.trade_cal'], ...RANGE });
  return {
    controller,
    async close() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Syncs `entries` as `how` says; the wall time, requests per scope and throttle answers. */
async function measure(entries, how) {
  const sandbox = await forkSandbox();
  const s = await setup(sandbox, entries);
  const before = await sandbox.counters();
  const ids = entries.map(idOf);
  const t0 = performance.now();
  const results =
    how === 'graph'
      ? (await s.controller.sync({ ids, ...RANGE })).sources
      : await ids.reduce(
          async (done, id) => [
            ...(await done),
            ...(await s.controller.sync({ ids: [id], ...RANGE })).sources,
          ],
          Promise.resolve([]),
        );
  const wallMs = performance.now() - t0;
  const after = await sandbox.counters();
  await s.close();
  await sandbox.close();
  const notDone = results.filter((r) => r.status !== 'done');
  if (notDone.length > 0) throw new Error(`not done: ${JSON.stringify(notDone)}`);
  const calls = Object.entries(after.byApi)
    .filter(([api]) => api !== 'trade_cal')
    .map(([api, c]) => ({ api, calls: c.served + c.throttled + c.rejected + c.faulted }));
  const slowest = Math.max(...calls.map((c) => c.calls));
  const idealMs = (slowest / PER_MINUTE) * WINDOW_MS;
  return {
    wallMs,
    idealMs,
    slowest,
    total: calls.reduce((n, c) => n + c.calls, 0),
    throttled: after.total.throttled - before.total.throttled,
  };
}

const rows = [];
const figures = [];
for (const n of quick ? [2, 4] : [2, 4, 8]) {
  const entries = INTERFACES.slice(0, n);
  const graph = await measure(entries, 'graph');
  const serial = await measure(entries, 'serial');
  const ratio = graph.idealMs / graph.wallMs;
  rows.push({
    interfaces: n,
    calls: graph.total,
    'ideal s': +(graph.idealMs / 1000).toFixed(2),
    'dsync s': +(graph.wallMs / 1000).toFixed(2),
    'ideal/dsync': +ratio.toFixed(3),
    'serial loop s': +(serial.wallMs / 1000).toFixed(2),
    'ideal/serial': +(serial.idealMs / serial.wallMs).toFixed(3),
    throttled: graph.throttled + serial.throttled,
  });
  figures.push({
    measure: `${n} Tushare interfaces at once, ${PER_MINUTE}/min each (time ÷${COMPRESSION})`,
    unit: 's',
    value: graph.wallMs / 1000,
    baseline: 'ideal: slowest scope calls ÷ its limit',
    baselineValue: graph.idealMs / 1000,
    ratio,
    target: '≥ 0.9, 0 throttle answers',
    met: ratio >= 0.9 && graph.throttled === 0,
    details: {
      calls: graph.total,
      callsPerScope: graph.slowest,
      throttled: graph.throttled,
      serialLoopSeconds: serial.wallMs / 1000,
      serialRatio: serial.idealMs / serial.wallMs,
      serialThrottled: serial.throttled,
    },
  });
}
console.table(rows);
report('graph', {
  title: 'Every source at once: wall time against the ideal, beside a serial loop',
  quick,
  figures,
});
