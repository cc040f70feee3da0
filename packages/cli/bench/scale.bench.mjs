#!/usr/bin/env node
// Scale: a full-market backfill of tushare.daily, 5,000 symbols over two decades of trade days,
// through the sandbox into SQLite, as a user runs it: `dsync sandbox` and `dsync sync` are the
// built binary, each its own process. The same backfill runs at 1/10 of the days first; that
// run is the baseline, so the figures say whether memory and speed stay flat as rows grow:
// - peak RSS of the `dsync sync` process (VmHWM) at full size / at 1/10 (target: ≤ 1.1, and
//   under 512 MB);
// - rows per second end to end (rows stored / wall time of the sync) at full size / at 1/10.
// Also noted: bytes the sync process wrote to disk (/proc/<pid>/io), per stored row.
//   node bench/scale.bench.mjs [--quick]    (quick: 1/100 and 1/10 of the days)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');
const TOKEN = 'scale-bench-token-0123456789';
const SYMBOLS = 5_000;
const START = '2005-01-01';
const END = '2024-12-31';
const MAX_RSS_MB = 512;

/** The last `years` of the two decades, as the range flags of one sync. */
const rangeOf = (years) => ({ since: `${2025 - years}-01-01`, until: END });
const sizes = quick
  ? [
      { label: '1/100', range: { since: '2024-10-15', until: END } },
      { label: '1/10', range: rangeOf(2) },
    ]
  : [
      { label: '1/10', range: rangeOf(2) },
      { label: 'full', range: { since: START, until: END } },
    ];

/** `dsync sandbox` over the market, until `close`; resolves once it printed its address. */
async function startSandbox() {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'sandbox',
      ...['--symbols', String(SYMBOLS), '--start', START, '--end', END],
      ...['--per-minute', '10000000', '--token', TOKEN],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`dsync sandbox exited ${code}`)));
  });
  return {
    url: JSON.parse(line).tushare.url,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const procField = (pid, file, key) => {
  try {
    const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
    return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  } catch {
    return NaN; // the process has exited
  }
};

/**
 * `dsync sync tushare.daily` over the range in a new project; its peak RSS and disk writes are
 * read from /proc every 100 ms while it runs (the last reading before it exits stands).
 */
async function backfill(url, range) {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-scale-'));
  writeFileSync(
    join(dir, 'dsync.config.yaml'),
    [
      'storage: sqlite:data/dsync.db',
      'accounts:',
      '  tushare:',
      '    token: ${TUSHARE_TOKEN}',
      `    baseUrl: ${url}`,
      '    limits: { perMinute: 10000000, maxConcurrent: 4 }',
      'sources:',
      '  - tushare.trade_cal',
      '  - tushare.daily',
      '',
    ].join('\n'),
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'sync', 'tushare.daily', '--since', range.since, '--until', range.until],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TUSHARE_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let peakKb = 0;
  let writtenBytes = 0;
  const sample = () => {
    const hwm = procField(child.pid, 'status', 'VmHWM');
    const written = procField(child.pid, 'io', 'write_bytes');
    if (!Number.isNaN(hwm)) peakKb = Math.max(peakKb, hwm);
    if (!Number.isNaN(written)) writtenBytes = Math.max(writtenBytes, written);
  };
  const sampler = setInterval(sample, 100);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`dsync sync exited ${code}:\n${output.slice(-2000)}`);
  const db = new Database(join(dir, 'data', 'dsync.db'), { readonly: true });
  const rows = db.prepare('select count(*) as n from tushare_daily').get().n;
  const requests = db
    .prepare("select count(*) as n from dsync_tasks where source_id = 'tushare.daily'")
    .get().n;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { rows, requests, seconds, peakMb: peakKb / 1024, writtenBytes };
}

const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const sandbox = await startSandbox();
const runs = [];
try {
  for (const size of sizes) {
    const run = await backfill(sandbox.url, size.range);
    runs.push({ ...size, ...run, rowsPerSecond: run.rows / run.seconds });
    console.error(
      `  ${size.label}: ${fmt(run.rows)} rows in ${fmt(run.seconds, 1)} s, peak RSS ${fmt(run.peakMb)} MB`,
    );
  }
} finally {
  await sandbox.close();
}

const [small, large] = runs;
const title = `scale benchmark${quick ? ' (quick)' : ''}: tushare.daily, ${fmt(SYMBOLS)} symbols, ${large.range.since}..${large.range.until} (${fmt(large.requests)} trade days, ${fmt(large.rows)} rows) against ${small.label} of it (${fmt(small.requests)} days, ${fmt(small.rows)} rows); sandbox → dsync sync → SQLite`;
const memoryRatio = large.peakMb / small.peakMb;
const speedRatio = large.rowsPerSecond / small.rowsPerSecond;
const figures = [
  {
    measure: `peak RSS of dsync sync at ${large.label} size`,
    unit: 'MB',
    value: large.peakMb,
    baseline: `at ${small.label}`,
    baselineValue: small.peakMb,
    ratio: memoryRatio,
    target: `≤ 1.1 and < ${MAX_RSS_MB} MB`,
    met: memoryRatio <= 1.1 && large.peakMb < MAX_RSS_MB,
  },
  {
    measure: `rows/s end to end at ${large.label} size`,
    unit: 'rows/s',
    value: large.rowsPerSecond,
    baseline: `at ${small.label}`,
    baselineValue: small.rowsPerSecond,
    ratio: speedRatio,
    target: '≥ 0.9 (flat)',
    met: speedRatio >= 0.9,
    details: Object.fromEntries(
      runs.map((r) => [
        r.label,
        {
          rows: r.rows,
          requests: r.requests,
          seconds: r.seconds,
          writtenBytesPerRow: r.writtenBytes / r.rows,
        },
      ]),
    ),
  },
];

console.log(title);
console.log('| measure | baseline | dsync | dsync / baseline |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| peak RSS of dsync sync, ${large.label} (target ≤ 1.1, < ${MAX_RSS_MB} MB) | ${fmt(small.peakMb)} MB (${small.label}) | ${fmt(large.peakMb)} MB | ${memoryRatio.toFixed(2)} |`,
);
console.log(
  `| rows/s end to end, ${large.label} (${fmt(large.seconds, 1)} s) | ${fmt(small.rowsPerSecond)} (${small.label}) | ${fmt(large.rowsPerSecond)} | ${speedRatio.toFixed(2)} |`,
);
console.log(
  `Disk written by the sync per stored row: ${runs.map((r) => `${r.label} ${fmt(r.writtenBytes / r.rows)} B`).join(', ')}.`,
);
report('scale', { title, quick, figures });
