#!/usr/bin/env node
// Rows per second into SQLite and PostgreSQL through the Knex storage, each as a ratio
// against the fastest plain way to do the same upsert, measured in the same run:
// - SQLite: a raw better-sqlite3 prepared INSERT … ON CONFLICT DO UPDATE, one transaction;
// - PostgreSQL: a raw multi-row INSERT … ON CONFLICT DO UPDATE through pg, same chunks.
//   node bench/storage.bench.mjs [--quick]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { connect } from 'amqplib';
import { builtInCatalog } from '@dsync/datasource';
import { consume, createRabbitSink, createStorage } from '@dsync/storage-adapters';
import { report } from '../../../bench/report.mjs';

const quick = process.argv.includes('--quick');
const TOTAL = quick ? 20_000 : 100_000;
const BATCH = 5_000; // one Tushare page
const daily = builtInCatalog().get('tushare.daily');
const columns = daily.fields.map((f) => f.name);

/** Tushare-shaped rows: 5,000 stocks a day, as the API sends them. */
function page(index) {
  const day = new Date(Date.UTC(2020, 0, 1) + index * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  return Array.from({ length: BATCH }, (_, i) => {
    const close = 10 + ((i * 7 + index) % 1000) / 100;
    return [
      `${String(i).padStart(6, '0')}.SZ`,
      day,
      close,
      close + 0.5,
      close - 0.5,
      close,
      close - 0.1,
      0.1,
      1.01,
      12345.67 + i,
      9876543.21 + i,
    ];
  });
}
const pages = Array.from({ length: TOTAL / BATCH }, (_, i) => page(i));
const batches = pages.map((rows, i) => ({
  sourceId: daily.id,
  argsKey: `daily?p=${i}`,
  page: 0,
  columns,
  rows,
  schemaVersion: 1,
  fetchedAt: new Date().toISOString(),
}));
const isoOf = (d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;

async function timed(run) {
  const t0 = performance.now();
  await run();
  return TOTAL / ((performance.now() - t0) / 1000);
}

async function adapter(url) {
  const storage = createStorage({ url });
  await storage.ready();
  await storage.ensureTable(daily);
  const rate = await timed(async () => {
    for (const batch of batches) await storage.write(batch, daily);
  });
  await storage.close();
  return rate;
}

async function rawSqlite(file) {
  const db = new Database(file);
  // The same settings the adapter uses, so the comparison is of the write path alone.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table if not exists raw_daily (ts_code text not null, trade_date text not null, open text, high text, low text, close text, pre_close text, change text, pct_chg real, vol text, amount text, primary key (ts_code, trade_date))',
  );
  const insert = db.prepare(
    `insert into raw_daily values (${columns.map(() => '?').join(', ')}) on conflict (ts_code, trade_date) do update set ${columns
      .slice(2)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`,
  );
  const rate = await timed(async () => {
    for (const rows of pages) {
      db.transaction(() => {
        for (const r of rows)
          insert.run(r[0], isoOf(r[1]), ...r.slice(2).map((v, i) => (i === 6 ? v : String(v))));
      })();
    }
  });
  db.close();
  return rate;
}

async function rawPostgres(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    'create table raw_daily (ts_code text not null, trade_date date not null, open numeric(20,4), high numeric(20,4), low numeric(20,4), close numeric(20,4), pre_close numeric(20,4), change numeric(20,4), pct_chg double precision, vol numeric(24,4), amount numeric(24,4), primary key (ts_code, trade_date))',
  );
  const chunk = Math.min(2000, Math.floor(65535 / columns.length));
  const rate = await timed(async () => {
    for (const rows of pages) {
      await client.query('begin');
      for (let i = 0; i < rows.length; i += chunk) {
        const slice = rows.slice(i, i + chunk);
        const values = [];
        const tuples = slice.map((r, j) => {
          values.push(r[0], isoOf(r[1]), ...r.slice(2));
          return `(${columns.map((_, k) => `$${j * columns.length + k + 1}`).join(', ')})`;
        });
        await client.query(
          `insert into raw_daily values ${tuples.join(', ')} on conflict (ts_code, trade_date) do update set ${columns
            .slice(2)
            .map((c) => `${c} = excluded.${c}`)
            .join(', ')}`,
          values,
        );
      }
      await client.query('commit');
    }
  });
  await client.end();
  return rate;
}

async function withPostgresDatabase(run) {
  const name = `dsync_bench_${process.pid}`;
  const admin = knexFactory({
    client: 'pg',
    connection: 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await admin.raw(`create database ${name}`);
  try {
    return await run(`postgres://postgres@127.0.0.1:5432/${name}`);
  } finally {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  }
}

/** End to end: the RabbitMQ sink publishes every page (confirmed), a consumer upserts them into PostgreSQL. */
async function throughRabbit(url) {
  const queue = `dsync.bench.${process.pid}`;
  const amqp = 'amqp://guest:guest@127.0.0.1:5672';
  const storage = createStorage({ url });
  await storage.ready();
  await storage.ensureTable(daily);
  const sink = createRabbitSink({ url: amqp, exchange: queue, queue });
  const consumer = consume({
    url: amqp,
    queue,
    sink: storage,
    sources: (id) => (id === daily.id ? daily : undefined),
    prefetch: 4,
  });
  await sink.ready();
  await consumer.ready();
  const rate = await timed(async () => {
    for (const batch of batches) await sink.write(batch, daily);
    while (consumer.stats().acked < batches.length) await new Promise((r) => setTimeout(r, 20));
  });
  await consumer.close();
  await sink.close();
  await storage.close();
  const broker = await connect(amqp);
  const channel = await broker.createChannel();
  for (const q of [queue, `${queue}.dead`]) await channel.deleteQueue(q);
  for (const e of [queue, `${queue}.dead`]) await channel.deleteExchange(e);
  await broker.close();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'dsync-bench-'));
const results = [];
try {
  const sqliteRaw = await rawSqlite(join(dir, 'raw.db'));
  const sqliteAdapter = await adapter(`sqlite:${join(dir, 'adapter.db')}`);
  results.push([
    'SQLite',
    'raw better-sqlite3 prepared upsert, one transaction per page',
    sqliteRaw,
    sqliteAdapter,
  ]);
  const pgRaw = await withPostgresDatabase(rawPostgres);
  const pgAdapter = await withPostgresDatabase(adapter);
  results.push(['PostgreSQL', 'raw multi-row upsert through pg, same chunks', pgRaw, pgAdapter]);
  const rabbit = await withPostgresDatabase(throughRabbit);
  results.push([
    'RabbitMQ → PostgreSQL (sink, broker, consumer)',
    'the PostgreSQL adapter alone',
    pgAdapter,
    rabbit,
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `storage benchmark${quick ? ' (quick)' : ''}: ${TOTAL.toLocaleString('en')} rows of tushare.daily in pages of ${BATCH.toLocaleString('en')}, upsert`,
);
console.log('| target | baseline | baseline rows/s | adapter rows/s | adapter / baseline |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [target, baseline, raw, ours] of results) {
  console.log(
    `| ${target} | ${baseline} | ${Math.round(raw).toLocaleString('en')} | ${Math.round(ours).toLocaleString('en')} | ${(ours / raw).toFixed(2)} |`,
  );
}

// No stated target for these ratios: they are reported as measured.
report('storage', {
  title: `storage: rows/s of tushare.daily upserts through the adapters against raw drivers (${TOTAL.toLocaleString('en')} rows in pages of ${BATCH.toLocaleString('en')})`,
  quick,
  figures: results.map(([target, baseline, raw, ours]) => ({
    measure: `${target}: upsert rows/s`,
    unit: 'rows/s',
    value: ours,
    baseline,
    baselineValue: raw,
    ratio: ours / raw,
    details: { rows: TOTAL, pageRows: BATCH },
  })),
});
