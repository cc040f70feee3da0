#!/usr/bin/env node
// `storage.migrate()` on a store dsync 0.1 made (tushare.daily, its numbers as exact decimals:
// TEXT on SQLite, numeric on PostgreSQL), 1,000,000 rows (100,000 with --quick): its time and
// the process's peak memory, each as a ratio against a plain copy of the same table in SQL
// (CREATE TABLE … AS SELECT, with the same casts), measured in the same run, each in a fresh
// process so that peaks do not mix.
//   node bench/migrate.bench.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { builtInCatalog } from '@dsync/datasource';
import { createStorage } from '@dsync/storage-adapters';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 100_000 : 1_000_000;
const daily = builtInCatalog().get('tushare.daily');
const NUMBERS = ['open', 'high', 'low', 'close', 'pre_close', 'change', 'vol', 'amount'];
const dailyOf01 = {
  ...daily,
  fields: daily.fields.map((f) =>
    NUMBERS.includes(f.name) ? { ...f, type: 'decimal', precision: 24, scale: 4 } : f,
  ),
};

/** In a child process: one step, then its time and the process's peak resident memory. */
async function child(step, url) {
  const storage = createStorage({ url });
  await storage.ready();
  const t0 = performance.now();
  if (step === 'migrate') await storage.migrate([daily]);
  else {
    const real = storage.dialect === 'sqlite' ? 'REAL' : 'double precision';
    const columns = daily.fields.map((f) =>
      NUMBERS.includes(f.name) ? `CAST(${f.name} AS ${real}) AS ${f.name}` : f.name,
    );
    await storage.knex.raw(
      `CREATE TABLE daily_copy AS SELECT ${columns.join(', ')} FROM tushare_daily`,
    );
    await storage.knex.raw('DROP TABLE daily_copy');
  }
  const ms = performance.now() - t0;
  await storage.close();
  console.log(JSON.stringify({ ms, peakMb: process.resourceUsage().maxRSS / 1024 }));
}

/** ROWS bars (5,000 symbols a day) as 0.1 stored them, written by the database itself. */
async function fill(url, dialect) {
  const storage = createStorage({ url });
  await storage.ensureTable(dailyOf01);
  const n = ROWS - 1;
  await storage.knex.raw(
    dialect === 'sqlite'
      ? `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
         INSERT INTO tushare_daily SELECT printf('%06d.SZ', i % 5000), date('2000-01-01', '+' || (i / 5000) || ' days'),
           printf('%.2f', 10 + (i % 997) / 100.0), printf('%.2f', 11 + (i % 991) / 100.0), printf('%.2f', 9 + (i % 983) / 100.0),
           printf('%.2f', 10 + (i % 977) / 100.0), printf('%.2f', 10 + (i % 971) / 100.0), printf('%.4f', ((i % 200) - 100) / 1000.0),
           ((i % 2000) - 1000) / 100.0, printf('%.2f', 1000 + i % 100000 / 100.0), printf('%.4f', 123456 + (i % 99991) / 10000.0) FROM n`
      : `INSERT INTO tushare_daily SELECT lpad((i % 5000)::text, 6, '0') || '.SZ', date '2000-01-01' + (i / 5000),
           10 + (i % 997) / 100.0, 11 + (i % 991) / 100.0, 9 + (i % 983) / 100.0, 10 + (i % 977) / 100.0, 10 + (i % 971) / 100.0,
           ((i % 200) - 100) / 1000.0, ((i % 2000) - 1000) / 100.0, 1000 + (i % 100000) / 100.0, 123456 + (i % 99991) / 10000.0
         FROM generate_series(0, ${n}) AS i`,
  );
  await storage.close();
}

function measure(step, url) {
  const run = spawnSync(process.execPath, [import.meta.filename, '--child', step, url], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${step} on ${url} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-migrate-bench-'));
  const pgName = `dsync_migrate_bench_${process.pid}`;
  const admin = knexFactory({
    client: 'pg',
    connection: 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await admin.raw(`CREATE DATABASE ${pgName}`);
  const targets = [
    ['SQLite', 'sqlite', `sqlite:${join(dir, 'dsync.db')}`],
    ['PostgreSQL', 'postgres', `postgres://postgres@127.0.0.1:5432/${pgName}`],
  ];
  const figures = [];
  try {
    for (const [label, dialect, url] of targets) {
      await fill(url, dialect);
      const copy = measure('copy', url);
      const migrated = measure('migrate', url);
      console.log(
        `${label}: ${ROWS.toLocaleString('en')} rows migrated in ${(migrated.ms / 1000).toFixed(2)} s ` +
          `(plain copy ${(copy.ms / 1000).toFixed(2)} s), peak ${migrated.peakMb.toFixed(0)} MB (copy ${copy.peakMb.toFixed(0)} MB)`,
      );
      const details = { rows: ROWS, migrateMs: migrated.ms, copyMs: copy.ms };
      figures.push(
        {
          measure: `${label}: migrate ${ROWS.toLocaleString('en')} rows, time`,
          unit: 's',
          value: migrated.ms / 1000,
          baseline: 'CREATE TABLE AS SELECT with the casts',
          baselineValue: copy.ms / 1000,
          ratio: migrated.ms / copy.ms,
          details,
        },
        {
          measure: `${label}: migrate ${ROWS.toLocaleString('en')} rows, peak memory`,
          unit: 'MB',
          value: migrated.peakMb,
          baseline: 'the same copy',
          baselineValue: copy.peakMb,
          ratio: migrated.peakMb / copy.peakMb,
          details,
        },
      );
    }
  } finally {
    await admin.raw(`DROP DATABASE IF EXISTS ${pgName}`);
    await admin.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  report('migrate', {
    title: `migrate: a 0.1 store's tushare.daily (${ROWS.toLocaleString('en')} rows) to doubles, against a plain copy`,
    quick,
    figures,
  });
}
