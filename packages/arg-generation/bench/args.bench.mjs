#!/usr/bin/env node
// Args are produced lazily: memory must not grow with their number. Each size runs in a
// child process and reports its peak RSS; the figures are ratios against the smallest run
// and, for speed, against a bare loop building the same keys in the same process.
//   node bench/args.bench.mjs [--quick]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtInCatalog, createRequestArgs } from '@dsync/datasource';
import { createMemoryContext, generateArgs } from '@dsync/arg-generation';
import { report } from '../../../bench/report.mjs';

const DAYS = 5000; // open days in the calendar: about twenty years

function openDays(n) {
  const days = [];
  for (let t = Date.UTC(2000, 0, 3); days.length < n; t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10));
  }
  return days;
}

const peakRssMb = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

async function child(total) {
  const days = openDays(DAYS);
  const keys = Array.from({ length: Math.ceil(total / DAYS) }, (_, i) => ({
    key: `${String(i).padStart(6, '0')}.SZ`,
  }));
  const context = createMemoryContext({
    calendars: { 'tushare.trade_cal:SSE': { first: days[0], last: days.at(-1), openDays: days } },
    keys: { 'tushare.stock_basic': keys },
  });
  const daily = builtInCatalog().get('tushare.daily');
  // One request per (stock, open day): the per-symbol variant of daily.
  const perStock = {
    ...daily,
    params: { ts_code: { kind: 'input', required: true } },
    args: {
      kind: 'fan-out',
      param: 'ts_code',
      keys: { source: 'tushare.stock_basic', field: 'ts_code' },
      each: daily.args,
    },
  };
  const baseRss = peakRssMb();
  let n = 0;
  let t0 = performance.now();
  for await (const args of generateArgs(perStock, context, {
    since: days[0],
    until: days.at(-1),
  })) {
    if (++n === total) break;
    if (args.key.length === 0) throw new Error('empty key');
  }
  const seconds = (performance.now() - t0) / 1000;
  // Baseline: the same number of args built in a bare loop, no generator, no strategy.
  t0 = performance.now();
  let m = 0;
  outer: for (const k of keys)
    for (const d of days) {
      createRequestArgs('tushare.daily', 'daily', {
        ts_code: k.key,
        trade_date: d.replaceAll('-', ''),
        limit: 6000,
      });
      if (++m === total) break outer;
    }
  const bareSeconds = (performance.now() - t0) / 1000;
  process.send({ total: n, seconds, bareSeconds, baseRss, peakRss: peakRssMb() });
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  const quick = process.argv.includes('--quick');
  const sizes = quick ? [100_000, 1_000_000] : [100_000, 10_000_000];
  const results = [];
  for (const size of sizes) {
    const proc = fork(new URL(import.meta.url).pathname, ['--child', String(size)]);
    results.push(await new Promise((resolve) => proc.once('message', resolve)));
    proc.kill();
  }
  const [small] = results;
  console.log(
    `arg generation benchmark${quick ? ' (quick)' : ''}: fan-out of stocks × ${DAYS} open days`,
  );
  console.log('| args | args/s | / bare loop | peak RSS | / 100k run |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.total.toLocaleString('en')} | ${Math.round(r.total / r.seconds).toLocaleString('en')} | ${(r.bareSeconds / r.seconds).toFixed(2)} | ${r.peakRss.toFixed(0)} MB | ${(r.peakRss / small.peakRss).toFixed(2)} |`,
    );
  }
  const figures = [];
  for (const r of results) {
    const details = {
      args: r.total,
      openDays: DAYS,
      seconds: r.seconds,
      bareSeconds: r.bareSeconds,
    };
    figures.push({
      measure: `args/s, ${r.total.toLocaleString('en')} args of a fan-out`,
      unit: 'args/s',
      value: r.total / r.seconds,
      baseline: 'bare loop building the same keys',
      baselineValue: r.total / r.bareSeconds,
      ratio: r.bareSeconds / r.seconds,
      details,
    });
    figures.push({
      measure: `peak RSS, ${r.total.toLocaleString('en')} args of a fan-out`,
      unit: 'MB',
      value: r.peakRss,
      baseline: `the ${small.total.toLocaleString('en')}-args run`,
      baselineValue: small.peakRss,
      ratio: r.peakRss / small.peakRss,
      // The README claims memory does not grow with the number of args; it gives no bound.
      details: { ...details, baseRssMb: r.baseRss },
    });
  }
  report('args', {
    title: `arg generation: fan-out of stocks × ${DAYS} open days, speed against a bare loop and peak memory against the smallest run`,
    quick,
    figures,
  });
}
