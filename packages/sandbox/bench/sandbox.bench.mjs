#!/usr/bin/env node
// How fast the sandbox answers, and how much memory it holds, as ratios against a baseline
// measured in the same run: a plain node:http server sending the very same bytes. The
// sandbox must never be the bottleneck of dsync's own benchmarks.
//   node bench/sandbox.bench.mjs [--quick]
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const duration = quick ? 1 : 4;
const connections = 8;
const here = import.meta.dirname;
const market = { symbols: 5000, start: '1995-01-01', end: '2024-12-31' };

function start(args) {
  const child = fork(join(here, 'serve.mjs'), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('message', (info) => resolve({ child, ...info })));
}
const memoryOf = (child) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send('memory');
  });

const request = (params) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ api_name: 'daily', token: 'bench', params }),
});

async function load(url, options) {
  const result = await autocannon({ url, connections, duration, ...options });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const sandbox = await start(['tushare', String(market.symbols), market.start, market.end]);
const scratch = mkdtempSync(join(tmpdir(), 'dsync-bench-'));
const rows = [];
for (const [name, params] of [
  ['one-row answer', { trade_date: '20240102', limit: 1 }],
  ['5,000-row answer', { trade_date: '20240102', limit: 5000 }],
]) {
  const sample = await (await fetch(sandbox.url, request(params))).text();
  const items = JSON.parse(sample).data.items.length;
  const file = join(scratch, `${items}.json`);
  writeFileSync(file, sample);
  const baseline = await start(['static', file]);
  const baseRps = await load(baseline.url, request(params));
  const sandboxRps = await load(sandbox.url, request(params));
  baseline.child.kill();
  rows.push({
    scenario: `${name} (${items} rows, ${(sample.length / 1024).toFixed(1)} KiB)`,
    baseline: baseRps,
    sandbox: sandboxRps,
  });
}

// Memory: serve the whole 5,000-symbol, 30-year market across its range, then read the peak.
const baselineForMemory = await start(['static', join(scratch, '1.json')]);
const spread = ['19950104', '20000105', '20050104', '20100105', '20150105', '20200106', '20241231'];
for (const trade_date of spread) await (await fetch(sandbox.url, request({ trade_date }))).text();
for (let offset = 0; offset < 8000; offset += 6000) {
  await (await fetch(sandbox.url, request({ ts_code: '600000.SH', offset }))).text();
}
const sandboxMemory = await memoryOf(sandbox.child);
const baseMemory = await memoryOf(baselineForMemory.child);
baselineForMemory.child.kill();
sandbox.child.kill();

console.log(
  `sandbox benchmark (${quick ? 'quick, ' : ''}${connections} connections, ${duration} s each; baseline: node:http sending the same bytes)`,
);
console.log('| scenario | baseline req/s | sandbox req/s | sandbox / baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.baseline.toFixed(0)} | ${r.sandbox.toFixed(0)} | ${(r.sandbox / r.baseline).toFixed(2)} |`,
  );
}
console.log(
  `| peak RSS serving a ${market.symbols}-symbol market ${market.start}..${market.end} | ${baseMemory.peakMb.toFixed(0)} MB | ${sandboxMemory.peakMb.toFixed(0)} MB | ${(sandboxMemory.peakMb / baseMemory.peakMb).toFixed(2)} |`,
);

report('sandbox', {
  title: `sandbox: answers and memory against a plain node:http server sending the same bytes (${connections} connections, ${duration} s each)`,
  quick,
  figures: [
    ...rows.map((r) => ({
      measure: `requests/s, ${r.scenario}`,
      unit: 'req/s',
      value: r.sandbox,
      baseline: 'node:http sending the same bytes',
      baselineValue: r.baseline,
      ratio: r.sandbox / r.baseline,
      details: { connections, durationS: duration },
    })),
    {
      measure: `peak RSS serving a ${market.symbols}-symbol market ${market.start}..${market.end}`,
      unit: 'MB',
      value: sandboxMemory.peakMb,
      baseline: 'node:http holding one answer',
      baselineValue: baseMemory.peakMb,
      ratio: sandboxMemory.peakMb / baseMemory.peakMb,
      details: { market },
    },
  ],
});
