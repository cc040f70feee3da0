#!/usr/bin/env node
// Resume after a crash: `dsync sync tushare.daily` is SIGKILLed in the middle of a backfill,
// several times, and run again after each kill. For each resumed run, the figure is the number
// of calls it makes that repeat a call the replica already served before the kill (same api,
// same params), against the most calls that can be in flight when the process dies: the
// account's maxConcurrent (target: no more). At the end of each chain of kills the last run
// must exit 0 and the table must equal the sandbox's ground truth, row for row.
//
// Everything is a real process: the replica (with a proxy that logs every served call, see
// serve-sandbox-log.mjs) in one, each `dsync sync` (the built binary, into SQLite) in its own.
// A kill lands once the replica has served a fraction of the range's daily calls (distinct
// calls, counted by the replica, across the chain's runs so far); the replica holds its answers
// from then until the process is dead, so the kill finds it as it was at that instant, and the
// answers held are the calls it had in flight. A resumed run repeats those, and also the calls
// answered before the kill whose rows were not durable yet: the engine starts the next request
// as soon as an answer is in, before its rows are stored.
//   node bench/resume.bench.mjs [--quick]    (quick: 2 kills in one chain, a smaller market)
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSourceRegistry } from '@dsync/datasource';
import { Market, storedTruth } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import { report } from '../../../bench/report.mjs';
import { project, startSync as startOf } from './dsync-project.mjs';

const quick = process.argv.includes('--quick');
const TOKEN = 'resume-bench-token-0123456789';
const MAX_CONCURRENT = 4;
const PER_MINUTE = 10_000_000;

/** One request per open day (a day of a few symbols fits one page): a run of a few seconds. */
const RANGE = quick
  ? { symbols: 10, since: '2023-01-01', until: '2023-12-31' }
  : { symbols: 20, since: '2022-01-01', until: '2023-12-31' };
const MARKET = {
  seed: 'resume-bench',
  symbols: RANGE.symbols,
  start: RANGE.since,
  end: RANGE.until,
};

/** Each chain: one project, killed at these fractions of its daily calls, then run to the end. */
const CHAINS = quick
  ? [[1 / 3, 2 / 3]]
  : [
      [0.25, 0.5, 0.75],
      [0.1, 0.4, 0.7],
      [0.3, 0.6, 0.9],
    ];

// ---- The replica, in its own process -------------------------------------------------------

/** Sends `message` to the child and resolves with its first answer that `wanted` accepts. */
function ask(child, message, wanted) {
  return new Promise((resolve) => {
    const listen = (answer) => {
      if (!wanted(answer)) return;
      child.off('message', listen);
      resolve(answer);
    };
    child.on('message', listen);
    child.send(message);
  });
}

async function forkSandbox() {
  const child = fork(join(import.meta.dirname, 'serve-sandbox-log.mjs'), [
    JSON.stringify({ market: MARKET, token: TOKEN, tier: { perMinute: PER_MINUTE, apis: 'all' } }),
  ]);
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  return {
    url,
    reset: () => ask(child, { reset: true }, (a) => a.reset === true),
    phase: (n) => ask(child, { phase: n }, (a) => a.phase === n),
    /** Resolves once `count` distinct daily calls were served. */
    reached: (count) => ask(child, { watch: 'daily', count }, (a) => a.reached === count),
    /** Lets the answers held since `reached` go; resolves with how many there were. */
    release: () => ask(child, 'release', (a) => a.held !== undefined).then((a) => a.held),
    log: () => ask(child, 'log', (a) => a.log !== undefined).then((a) => a.log),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('close');
      }),
  };
}

// ---- A project and its runs ----------------------------------------------------------------

const projectAt = (url) => project({ url, perMinute: PER_MINUTE, maxConcurrent: MAX_CONCURRENT });
const startSync = (dir) => startOf(dir, TOKEN, RANGE);

/**
 * Runs until `count` distinct daily calls were served, then SIGKILLs the sync. The replica
 * holds its answers from that instant until the sync is dead, so the kill finds the process
 * as it was then; resolves with the calls it had in flight (served, never answered).
 */
async function runAndKill(sandbox, dir, count) {
  const sync = startSync(dir);
  const outcome = await Promise.race([
    sandbox.reached(count).then(() => 'reached'),
    sync.exited.then(() => 'exited'),
  ]);
  if (outcome === 'exited') {
    const { code, output } = await sync.exited;
    throw new Error(
      `dsync sync exited ${code} before ${count} daily calls were served:\n${output.slice(-2000)}`,
    );
  }
  sync.kill();
  const { signal } = await sync.exited;
  const inFlight = await sandbox.release();
  if (signal !== 'SIGKILL') throw new Error(`dsync sync ended by ${signal}, not by the kill`);
  return inFlight;
}

// ---- Ground truth --------------------------------------------------------------------------

const canonical = (row) =>
  JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))));

function checksumOf(rows) {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(canonical(row) + '\n');
  return { rows: rows.length, sha256: hash.digest('hex') };
}

const DAILY = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');

async function storedSum(dir) {
  const storage = createStorage({ url: `sqlite:${join(dir, 'data', 'dsync.db')}` });
  try {
    await storage.ready();
    return checksumOf(await storage.readRows(DAILY));
  } finally {
    await storage.close();
  }
}

const truthSum = () =>
  checksumOf(
    storedTruth(MARKET, DAILY, {
      start_date: RANGE.since.replaceAll('-', ''),
      end_date: RANGE.until.replaceAll('-', ''),
    }),
  );

// ---- A chain of kills and resumes ----------------------------------------------------------

/**
 * Phase i is the i-th run of the chain (the last one runs to the end). What resumed run i
 * repeats: its served calls that the replica had already served to a run before it.
 */
function repeatsOf(log, kills) {
  return kills.map((kill, i) => {
    const before = new Set(log.filter((e) => e.phase <= i).map((e) => e.key));
    const resumed = log.filter((e) => e.phase === i + 1);
    const repeated = resumed.filter((e) => before.has(e.key));
    return {
      ...kill,
      servedBefore: log.filter((e) => e.phase <= i && e.api === 'daily').length,
      distinctDailyBefore: new Set(
        log.filter((e) => e.phase <= i && e.api === 'daily').map((e) => e.key),
      ).size,
      resumedCalls: resumed.length,
      repeated: repeated.length,
      repeatedDaily: repeated.filter((e) => e.api === 'daily').length,
      repeatedCalls: repeated.map((e) => e.key),
    };
  });
}

async function chain(sandbox, fractions, total) {
  await sandbox.reset();
  const { dir, remove } = projectAt(sandbox.url);
  try {
    const kills = [];
    for (const [i, fraction] of fractions.entries()) {
      await sandbox.phase(i);
      const count = Math.ceil(fraction * total);
      const inFlight = await runAndKill(sandbox, dir, count);
      kills.push({ fraction, count, inFlight });
    }
    await sandbox.phase(fractions.length);
    const last = await startSync(dir).exited;
    if (last.code !== 0)
      throw new Error(`the last run exited ${last.code}:\n${last.output.slice(-2000)}`);
    const log = await sandbox.log();
    const stored = await storedSum(dir);
    return { kills: repeatsOf(log, kills), stored, calls: log.length };
  } finally {
    remove();
  }
}

// ---- The benchmark -------------------------------------------------------------------------

const started = performance.now();
const total = new Market(MARKET).openDays(RANGE.since, RANGE.until).length;
const truth = truthSum();
const sandbox = await forkSandbox();
const chains = [];
try {
  for (const fractions of CHAINS) chains.push(await chain(sandbox, fractions, total));
} finally {
  await sandbox.close();
}
const seconds = (performance.now() - started) / 1000;

const kills = chains.flatMap((c, n) =>
  c.kills.map((k, i) => ({ ...k, chain: n + 1, kill: i + 1 })),
);
const worst = Math.max(...kills.map((k) => k.repeated));
const complete = chains.every(
  (c) => c.stored.rows === truth.rows && c.stored.sha256 === truth.sha256,
);
const percent = (f) => `${Math.round(f * 100)}%`;
const target = `≤ 1 (at most ${MAX_CONCURRENT}, the max concurrency)`;

console.log(`resume benchmark${quick ? ' (quick)' : ''}`);
console.log(
  `${RANGE.symbols} symbols, ${RANGE.since} to ${RANGE.until}: ${total} daily calls a run; ` +
    `${chains.length} chain(s) of ${CHAINS[0].length} SIGKILLs, ${seconds.toFixed(1)} s`,
);
console.log('| measure | baseline | dsync | dsync / baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const k of kills)
  console.log(
    `| chain ${k.chain}, kill ${k.kill} at ${percent(k.fraction)} of the daily calls (${k.distinctDailyBefore}/${total} served by then, ${k.inFlight} in flight at the kill): calls the resumed run repeated | ${MAX_CONCURRENT} (max concurrency) | ${k.repeated} | ${(k.repeated / MAX_CONCURRENT).toFixed(2)} |`,
  );
console.log(
  `| worst case over ${kills.length} kills: calls a resumed run repeated | ${MAX_CONCURRENT} (max concurrency) | ${worst} | ${(worst / MAX_CONCURRENT).toFixed(2)} |`,
);
for (const [n, c] of chains.entries())
  console.log(
    `| chain ${n + 1}: rows stored after the last run (exit 0), ${c.stored.sha256 === truth.sha256 ? 'checksum equal' : 'checksum DIFFERS'} | ${truth.rows} (ground truth) | ${c.stored.rows} | ${(c.stored.rows / truth.rows).toFixed(3)} |`,
  );

const repeatFigure = (measure, value, details) => ({
  measure,
  unit: 'requests',
  value,
  baseline: 'max concurrency (calls in flight at the kill)',
  baselineValue: MAX_CONCURRENT,
  ratio: value / MAX_CONCURRENT,
  target,
  met: value <= MAX_CONCURRENT,
  details,
});

report('resume', {
  title: 'resume after SIGKILL: calls a resumed run repeats, against the max concurrency',
  quick,
  figures: [
    ...kills.map((k) =>
      repeatFigure(
        `chain ${k.chain}, kill ${k.kill} at ${percent(k.fraction)} of the daily calls: calls repeated by the resumed run`,
        k.repeated,
        {
          dailyCalls: total,
          killAfterDistinctDaily: k.count,
          distinctDailyServedBeforeKill: k.distinctDailyBefore,
          dailyServedBeforeKill: k.servedBefore,
          inFlightAtKill: k.inFlight,
          resumedRunCalls: k.resumedCalls,
          repeatedDaily: k.repeatedDaily,
          repeatedCalls: k.repeatedCalls,
        },
      ),
    ),
    repeatFigure(`worst case over ${kills.length} kills: calls repeated by a resumed run`, worst, {
      kills: kills.length,
      chains: chains.length,
      symbols: RANGE.symbols,
      since: RANGE.since,
      until: RANGE.until,
      seconds,
    }),
    {
      measure: 'rows stored after the kills and the last run, against the ground truth',
      unit: 'rows',
      value: Math.min(...chains.map((c) => c.stored.rows)),
      baseline: 'ground truth',
      baselineValue: truth.rows,
      ratio: Math.min(...chains.map((c) => c.stored.rows)) / truth.rows,
      target: 'every chain: rows and checksum equal to the ground truth, last run exit 0',
      met: complete,
      details: { truth, stored: chains.map((c) => c.stored) },
    },
  ],
});

// A table that differs from the truth is a broken resume, not a missed figure.
if (!complete) {
  console.error('the table after the last run differs from the ground truth');
  process.exitCode = 1;
}
