#!/usr/bin/env node
// Scale: a full-market backfill of tushare.daily, 5,000 symbols over two decades of trade days,
// through the sandbox into SQLite, as a user runs it: `dsync sandbox` and `dsync sync` are the
// built binary, each its own process. Measured against a baseline in the same run, the last two
// years alone into an empty database (1/10 of the days):
// - peak RSS of the `dsync sync` process (VmHWM), at full size / at 1/10 (target: ≤ 1.1, and
//   under 512 MB): memory flat in rows;
// - rows per second end to end (rows stored / wall time of the sync). The full backfill runs
//   in two syncs into one database: the eighteen older years, then the same last two years as
//   the baseline, on top of them. Those two years' rate / the baseline's says whether speed
//   stays flat as the table grows (the same requests, the same page sizes; the older years
//   list fewer symbols, so their pages are smaller and their rows/s not comparable). The
//   whole backfill's rows/s is printed too.
// Also noted: bytes the sync process wrote to disk (/proc/<pid>/io), per stored row.
//   node bench/scale.bench.mjs [--quick]    (quick: December 2024, after the six months before it)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { report } from '../../../bench/report.mjs';
import { BIN, project, startSync } from './dsync-project.mjs';

const quick = process.argv.includes('--quick');
const TOKEN = 'scale-bench-token-0123456789';
const SYMBOLS = 5_000;
const START = '2005-01-01';
const END = '2024-12-31';
const MAX_RSS_MB = 512;

/** The baseline's days, and the syncs of the full backfill: the older days, then the same ones. */
const LAST = quick ? { since: '2024-12-01', until: END } : { since: '2023-01-01', until: END };
const OLDER = quick
  ? { since: '2024-06-01', until: '2024-11-30' }
  : { since: START, until: '2022-12-31' };

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

const count = (dir, sql) => {
  if (!existsSync(join(dir, 'data', 'dsync.db'))) return 0;
  const db = new Database(join(dir, 'data', 'dsync.db'), { readonly: true });
  try {
    return db.prepare(sql).get().n;
  } finally {
    db.close();
  }
};
const storedRows = (dir) => count(dir, 'select count(*) as n from tushare_daily');
const doneRequests = (dir) =>
  count(dir, "select count(*) as n from dsync_tasks where source_id = 'tushare.daily'");

/**
 * `dsync sync tushare.daily` over the range in the project; its peak RSS and disk writes are
 * read from /proc every 100 ms while it runs (the last reading before it exits stands). The
 * figures are this sync's: the rows and requests it added.
 */
async function sync(dir, range) {
  const rowsBefore = storedRows(dir);
  const requestsBefore = doneRequests(dir);
  const started = performance.now();
  const { child, exited } = startSync(dir, TOKEN, range);
  let peakKb = 0;
  let writtenBytes = 0;
  const sample = () => {
    const hwm = procField(child.pid, 'status', 'VmHWM');
    const written = procField(child.pid, 'io', 'write_bytes');
    if (!Number.isNaN(hwm)) peakKb = Math.max(peakKb, hwm);
    if (!Number.isNaN(written)) writtenBytes = Math.max(writtenBytes, written);
  };
  const sampler = setInterval(sample, 100);
  const { code, output } = await exited;
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`dsync sync exited ${code}:\n${output.slice(-2000)}`);
  const rows = storedRows(dir) - rowsBefore;
  return {
    rows,
    requests: doneRequests(dir) - requestsBefore,
    seconds,
    rowsPerSecond: rows / seconds,
    peakMb: peakKb / 1024,
    writtenBytes,
  };
}

/** The syncs over `ranges`, one after another into one new project. */
async function backfill(url, ranges) {
  const p = project({ url, perMinute: 10_000_000, maxConcurrent: 4 });
  try {
    const steps = [];
    for (const range of ranges) steps.push({ range, ...(await sync(p.dir, range)) });
    return steps;
  } finally {
    p.remove();
  }
}

const describe = (r) =>
  `${fmt(r.rows)} rows in ${fmt(r.seconds, 1)} s (${fmt(r.rowsPerSecond)} rows/s), peak RSS ${fmt(r.peakMb)} MB`;
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const sandbox = await startSandbox();
let baseline;
let older;
let last;
try {
  [baseline] = await backfill(sandbox.url, [LAST]);
  console.error(`  1/10: ${describe(baseline)}`);
  [older, last] = await backfill(sandbox.url, [OLDER, LAST]);
  console.error(`  full, older days: ${describe(older)}`);
  console.error(`  full, then the last days: ${describe(last)}`);
} finally {
  await sandbox.close();
}

const full = {
  rows: older.rows + last.rows,
  requests: older.requests + last.requests,
  seconds: older.seconds + last.seconds,
  peakMb: Math.max(older.peakMb, last.peakMb),
  writtenBytes: older.writtenBytes + last.writtenBytes,
};
full.rowsPerSecond = full.rows / full.seconds;
const title = `scale benchmark${quick ? ' (quick)' : ''}: tushare.daily, ${fmt(SYMBOLS)} symbols, ${OLDER.since}..${LAST.until} (${fmt(full.requests)} trade days, ${fmt(full.rows)} rows) in two syncs, against ${LAST.since}..${LAST.until} alone into an empty database (${fmt(baseline.requests)} days, ${fmt(baseline.rows)} rows); dsync sandbox → dsync sync → SQLite`;
const memoryRatio = full.peakMb / baseline.peakMb;
const speedRatio = last.rowsPerSecond / baseline.rowsPerSecond;
const details = Object.fromEntries(
  [
    ['baseline', baseline],
    ['full: older days', older],
    ['full: last days', last],
  ].map(([label, r]) => [
    label,
    {
      rows: r.rows,
      requests: r.requests,
      seconds: r.seconds,
      peakMb: r.peakMb,
      writtenBytesPerRow: r.writtenBytes / r.rows,
    },
  ]),
);
const figures = [
  {
    measure: 'peak RSS of dsync sync, full backfill',
    unit: 'MB',
    value: full.peakMb,
    baseline: '1/10 of the days',
    baselineValue: baseline.peakMb,
    ratio: memoryRatio,
    // A quick run's syncs are too short for V8's heap to reach the size it settles at.
    ...(quick
      ? {}
      : {
          target: `≤ 1.1 and < ${MAX_RSS_MB} MB`,
          met: memoryRatio <= 1.1 && full.peakMb < MAX_RSS_MB,
        }),
  },
  {
    measure: `rows/s of the last ${fmt(last.requests)} days on top of ${fmt(older.rows)} stored rows`,
    unit: 'rows/s',
    value: last.rowsPerSecond,
    baseline: 'the same days into an empty database',
    baselineValue: baseline.rowsPerSecond,
    ratio: speedRatio,
    ...(quick ? {} : { target: '≥ 0.9 (flat)', met: speedRatio >= 0.9 }),
    details,
  },
  {
    measure: `rows/s end to end, the whole backfill (${fmt(full.rows)} rows in ${fmt(full.seconds, 1)} s)`,
    unit: 'rows/s',
    value: full.rowsPerSecond,
    baseline: 'the same days into an empty database',
    baselineValue: baseline.rowsPerSecond,
    ratio: full.rowsPerSecond / baseline.rowsPerSecond,
  },
];

console.log(title);
console.log('| measure | baseline | dsync | dsync / baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const f of figures)
  console.log(
    `| ${f.measure}${f.target === undefined ? '' : ` (target ${f.target})`} | ${fmt(f.baselineValue)} ${f.unit} (${f.baseline}) | ${fmt(f.value)} ${f.unit} | ${f.ratio.toFixed(2)} |`,
  );
console.log(
  `Disk written by the sync per stored row: ${Object.entries(details)
    .map(([label, d]) => `${label} ${fmt(d.writtenBytesPerRow)} B`)
    .join(', ')}.`,
);
report('scale', { title, quick, figures });
