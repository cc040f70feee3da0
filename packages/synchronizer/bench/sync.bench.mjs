#!/usr/bin/env node
// The engine measured against what it must reach, in the same run:
// - quota use: against a sandbox limit of N calls per window, the rate the synchronizer
//   achieves over several windows divided by N per window, and the throttle answers it got;
// - engine overhead: requests per second through the Sync Controller (ledger, limiter, SQLite
//   writes and all) against an unthrottled sandbox, divided by a bare got loop making the same
//   requests at the same concurrency.
//   node bench/sync.bench.mjs [--quick]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { got } from 'got';
import { DataSourceRegistry } from '@dsync/datasource';
import { Market, startTushareSandbox } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import { createTushareClient, SyncController } from '@dsync/synchronizer';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const TOKEN = 'bench-token-0123456789';

/** The replica in a child process: what the engine costs shows, not what the server costs. */
async function forkSandbox({ market, tier, windowMs }) {
  const child = fork(join(import.meta.dirname, 'serve-sandbox.mjs'), [
    JSON.stringify({ market: market.options, token: TOKEN, tier, windowMs }),
  ]);
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('close');
      }),
  };
}

async function setup({ market, tier, windowMs, limits, outOfProcess = false }) {
  const sandbox = outOfProcess
    ? await forkSandbox({ market, tier, windowMs })
    : await startTushareSandbox({ market, accounts: [{ token: TOKEN, tier }], windowMs });
  const dir = mkdtempSync(join(tmpdir(), 'dsync-sync-bench-'));
  // Records when each request really leaves, for the quota measure (task events come before the limiter).
  const sends = [];
  const real = createTushareClient({ token: TOKEN, baseUrl: sandbox.url, rateWindowMs: windowMs });
  const client = {
    fetch(args, source, options) {
      if (args.api === 'daily') sends.push(performance.now());
      return real.fetch(args, source, options);
    },
  };
  const storage = createStorage({ url: `sqlite:${join(dir, 'bench.db')}` });
  await storage.ready();
  const controller = new SyncController({
    registry: DataSourceRegistry.load(['tushare.daily']),
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
    },
    clients: { tushare: client },
    accounts: { tushare: { limits } },
  });
  // The calendar first, unmeasured.
  await controller.sync({
    ids: ['tushare.trade_cal'],
    since: market.options.start,
    until: market.options.end,
  });
  return {
    sandbox,
    controller,
    sends,
    async close() {
      await sandbox.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function quotaUse() {
  const windowMs = quick ? 5_000 : 20_000;
  const limit = quick ? 25 : 100;
  const windows = quick ? 3 : 4;
  const market = new Market({ seed: 'bench', symbols: 5, start: '2000-01-01', end: '2009-12-31' });
  const s = await setup({
    market,
    tier: { perMinute: limit, apis: 'all' },
    windowMs,
    limits: { windows: [{ limit, windowMs }], perInterface: true, maxConcurrent: 4 },
  });
  const starts = s.sends;
  // One window's worth more than the windows measured, so the run never runs dry.
  const days = market.openDays('2000-01-01', '2009-12-31').slice(0, limit * (windows + 1));
  const abort = new AbortController();
  s.controller.events.on((e) => {
    if (e.type === 'task-started' && starts.length >= limit * windows + 1) abort.abort();
  });
  const run = await s.controller.sync({
    ids: ['tushare.daily'],
    since: days[0],
    until: days.at(-1),
    signal: abort.signal,
  });
  if (starts.length < limit * windows + 1)
    throw new Error(`quota run ended early: ${JSON.stringify(run.reason ?? run.status)}`);
  const measured = starts.slice(0, limit * windows + 1);
  const elapsed = measured.at(-1) - measured[0];
  const achieved = ((measured.length - 1) / elapsed) * windowMs;
  const throttled = s.sandbox.counters().total.throttled;
  await s.close();
  return { limit, windowMs, windows, achieved, ratio: achieved / limit, throttled };
}

/** A bare got loop: the same requests at the same concurrency, nothing else. */
async function bareLoop(url, days, concurrency) {
  const queue = days.map((d) => d.replaceAll('-', ''));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
        await got
          .post(url, {
            json: {
              api_name: 'daily',
              token: TOKEN,
              params: { trade_date: day, limit: 6000 },
              fields: 'ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount',
            },
          })
          .json();
      }
    }),
  );
}

/** Wall time and this process's CPU time of `run`. */
async function timed(run) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function overhead() {
  const requests = quick ? 400 : 2_000;
  const warmup = quick ? 100 : 300;
  const concurrency = 8;
  const market = new Market({ seed: 'bench', symbols: 3, start: '2000-01-01', end: '2012-12-31' });
  const s = await setup({
    market,
    tier: { perMinute: 1e9, apis: 'all' },
    windowMs: 60_000,
    outOfProcess: true,
    limits: {
      windows: [{ limit: 1e6, windowMs: 1_000 }],
      perInterface: true,
      maxConcurrent: concurrency,
    },
  });
  const open = market.openDays('2000-01-01', '2012-12-31');
  const sync = (days) =>
    s.controller.sync({ ids: ['tushare.daily'], since: days[0], until: days.at(-1) });
  // Both paths warmed up first (the JIT, the sockets, the table), on days not measured.
  const warm = open.slice(0, warmup);
  await bareLoop(s.sandbox.url, warm, concurrency);
  await sync(warm);
  const days = open.slice(warmup, warmup + requests);
  const bare = await timed(() => bareLoop(s.sandbox.url, days, concurrency));
  const engine = await timed(() => sync(days));
  const result = engine.value;
  await s.close();
  return {
    requests: result.sources.at(-1).requests,
    concurrency,
    status: result.status,
    bare: requests / (bare.wallMs / 1000),
    engine: result.sources.at(-1).requests / (engine.wallMs / 1000),
    bareCpu: bare.cpuMs / requests,
    engineCpu: engine.cpuMs / result.sources.at(-1).requests,
  };
}

const q = await quotaUse();
const o = await overhead();
console.log(`synchronizer benchmark${quick ? ' (quick)' : ''}`);
console.log('| measure | baseline | dsync | dsync / baseline |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| quota use: calls per ${q.windowMs / 1000} s window over ${q.windows} windows (throttle answers: ${q.throttled}) | ${q.limit} (the limit) | ${q.achieved.toFixed(1)} | ${q.ratio.toFixed(3)} |`,
);
console.log(
  `| engine overhead: requests/s, ${o.requests} requests, concurrency ${o.concurrency} (run ${o.status}) | ${o.bare.toFixed(0)} (bare got loop) | ${o.engine.toFixed(0)} | ${(o.engine / o.bare).toFixed(2)} |`,
);
console.log(
  `| client CPU per request, ms (the sandbox runs in its own process) | ${o.bareCpu.toFixed(2)} (bare got loop) | ${o.engineCpu.toFixed(2)} | ${(o.engineCpu / o.bareCpu).toFixed(2)} |`,
);

report('sync', {
  title: 'synchronizer: quota use against the limit, engine overhead against a bare got loop',
  quick,
  figures: [
    {
      measure: `quota use: calls per ${q.windowMs / 1000} s window over ${q.windows} windows`,
      unit: 'calls/window',
      value: q.achieved,
      baseline: 'the limit',
      baselineValue: q.limit,
      ratio: q.ratio,
      // Issue 10: quota use near 1, and never a throttle answer.
      target: '≥ 0.95, 0 throttle answers',
      met: q.ratio >= 0.95 && q.throttled === 0,
      details: { throttled: q.throttled, windows: q.windows, windowMs: q.windowMs },
    },
    {
      measure: `engine overhead: requests/s, concurrency ${o.concurrency}`,
      unit: 'req/s',
      value: o.engine,
      baseline: 'bare got loop',
      baselineValue: o.bare,
      ratio: o.engine / o.bare,
      details: { requests: o.requests, concurrency: o.concurrency, status: o.status },
    },
    {
      measure: 'client CPU per request (the sandbox in its own process)',
      unit: 'ms',
      value: o.engineCpu,
      baseline: 'bare got loop',
      baselineValue: o.bareCpu,
      ratio: o.engineCpu / o.bareCpu,
      details: { requests: o.requests, concurrency: o.concurrency },
    },
  ],
});
