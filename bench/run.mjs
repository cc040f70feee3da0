#!/usr/bin/env node
// The benchmark suite: every benchmark of every package, one after another, each in its own
// process (so none inherits another's heap or JIT), on the built packages. Each prints its own
// table as it runs; at the end the suite prints every figure in one table and writes them all
// to bench/results/bench-<time>.json and bench/results/latest[-quick].json.
//   npm run bench          (under 10 minutes on 2 cores)
//   npm run bench:quick    (a few seconds per measure; for CI and a first look)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const root = join(import.meta.dirname, '..');

/** In the order they run: the cheap and the foundational first. */
const BENCHMARKS = [
  { name: 'sandbox', file: 'packages/sandbox/bench/sandbox.bench.mjs' },
  { name: 'args', file: 'packages/arg-generation/bench/args.bench.mjs' },
  { name: 'storage', file: 'packages/storage-adapters/bench/storage.bench.mjs' },
  { name: 'migrate', file: 'packages/storage-adapters/bench/migrate.bench.mjs' },
  { name: 'sync', file: 'packages/synchronizer/bench/sync.bench.mjs' },
  { name: 'scale-out', file: 'packages/synchronizer/bench/scale-out.bench.mjs' },
  { name: 'recheck', file: 'packages/synchronizer/bench/recheck.bench.mjs' },
  { name: 'graph', file: 'packages/synchronizer/bench/graph.bench.mjs' },
  { name: 'resume', file: 'packages/cli/bench/resume.bench.mjs' },
  { name: 'scale', file: 'packages/cli/bench/scale.bench.mjs' },
];

const out = mkdtempSync(join(tmpdir(), 'dsync-bench-'));
const started = new Date();
const ran = [];
for (const bench of BENCHMARKS) {
  console.log(`\n== ${bench.name} (${bench.file})`);
  const t0 = performance.now();
  const { status, signal } = spawnSync(
    process.execPath,
    [join(root, bench.file), ...(quick ? ['--quick'] : [])],
    { stdio: 'inherit', cwd: root, env: { ...process.env, DSYNC_BENCH_OUT: out } },
  );
  const seconds = (performance.now() - t0) / 1000;
  let result;
  try {
    result = JSON.parse(readFileSync(join(out, `${bench.name}.json`), 'utf8'));
  } catch {
    result = undefined;
  }
  const failed = status !== 0 || result === undefined;
  ran.push({ ...bench, seconds, failed, exit: status ?? signal, ...(result ?? { figures: [] }) });
}
rmSync(out, { recursive: true, force: true });

const number = (n) =>
  Math.abs(n) >= 100
    ? Math.round(n).toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const seconds = (Date.now() - started.getTime()) / 1000;

console.log(
  `\n== dsync benchmark suite${quick ? ' (quick)' : ''}: ${ran.length} benchmarks in ${number(seconds)} s, node ${process.version}, ${cpus().length} cores`,
);
console.log('| benchmark | measure | baseline | dsync | dsync / baseline | target |');
console.log('| --- | --- | ---: | ---: | ---: | --- |');
for (const bench of ran) {
  if (bench.failed)
    console.log(`| ${bench.name} | FAILED (exit ${bench.exit}, no figures) | | | | |`);
  for (const f of bench.figures) {
    const target =
      f.target === undefined ? '' : `${f.target}${f.met === false ? ' **missed**' : ''}`;
    console.log(
      `| ${bench.name} | ${f.measure} | ${number(f.baselineValue)} ${f.unit} (${f.baseline}) | ${number(f.value)} ${f.unit} | ${f.ratio.toFixed(f.ratio < 10 ? 3 : 1)} | ${target} |`,
    );
  }
}

const results = join(import.meta.dirname, 'results');
mkdirSync(results, { recursive: true });
const file = join(results, `bench-${started.toISOString().replaceAll(':', '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      startedAt: started.toISOString(),
      quick,
      seconds,
      node: process.version,
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      benchmarks: ran,
    },
    null,
    2,
  ) + '\n',
);
copyFileSync(file, join(results, quick ? 'latest-quick.json' : 'latest.json'));
console.log(`Results: ${file}`);
process.exitCode = ran.some((b) => b.failed) ? 1 : 0;
