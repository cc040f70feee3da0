/**
 * `dsync migrate` killed (SIGKILL: no handler) while it rewrites a large table, on SQLite and
 * PostgreSQL: the table must be as it was (every row, the old types), and running it again
 * must finish the job with every value kept.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSourceRegistry, type DataSource } from '@dsync/datasource';
import { createStorage } from '@dsync/storage-adapters';
import { dsync, start, useProjects } from '../test/e2e-helpers.js';
import { bySize } from './harness.js';
import { join } from 'node:path';
import knex from 'knex';

const ROWS = bySize(200_000, 1_000_000);
const daily = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');
const NUMBERS = ['open', 'high', 'low', 'close', 'pre_close', 'change', 'vol', 'amount'];
/** tushare.daily as dsync 0.1 defined it: its numbers exact decimals (TEXT on SQLite). */
const dailyOf01: DataSource = {
  ...daily,
  fields: daily.fields.map((f) =>
    NUMBERS.includes(f.name) ? { ...f, type: 'decimal', precision: 24, scale: 4 } : f,
  ),
};

/** `ROWS` bars (5,000 symbols a day) written by the database itself, as 0.1 stored them. */
async function fill(url: string, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const storage = createStorage({ url });
  await storage.ensureTable(dailyOf01);
  const db = storage.knex;
  if (dialect === 'sqlite')
    await db.raw(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1})
       INSERT INTO tushare_daily SELECT printf('%06d.SZ', i % 5000), date('2000-01-01', '+' || (i / 5000) || ' days'),
         printf('%.2f', 10 + (i % 997) / 100.0), printf('%.2f', 11 + (i % 991) / 100.0), printf('%.2f', 9 + (i % 983) / 100.0),
         printf('%.2f', 10 + (i % 977) / 100.0), printf('%.2f', 10 + (i % 971) / 100.0), printf('%.4f', ((i % 200) - 100) / 1000.0),
         ((i % 2000) - 1000) / 100.0, printf('%.2f', 1000 + i % 100000 / 100.0), printf('%.4f', 123456 + (i % 99991) / 10000.0) FROM n`,
    );
  else
    await db.raw(
      `INSERT INTO tushare_daily SELECT lpad((i % 5000)::text, 6, '0') || '.SZ', date '2000-01-01' + (i / 5000),
         10 + (i % 997) / 100.0, 11 + (i % 991) / 100.0, 9 + (i % 983) / 100.0, 10 + (i % 977) / 100.0, 10 + (i % 971) / 100.0,
         ((i % 200) - 100) / 1000.0, ((i % 2000) - 1000) / 100.0, 1000 + (i % 100000) / 100.0, 123456 + (i % 99991) / 10000.0
       FROM generate_series(0, ${ROWS - 1}) AS i`,
    );
  await storage.close();
}

/** What a user would check: the row count and each number column's sum, as numbers. */
async function fingerprint(
  url: string,
): Promise<{ types: string[]; rows: number; sums: number[] }> {
  const storage = createStorage({ url });
  await storage.ready();
  const db = storage.knex;
  const info = await db('tushare_daily').columnInfo();
  const sums = NUMBERS.map(
    (c) => `sum(CAST(${c} AS ${storage.dialect === 'sqlite' ? 'REAL' : 'double precision'}))`,
  );
  const [row] = await db('tushare_daily').select<Record<string, unknown>[]>(
    db.raw(`count(*) AS n, ${sums.map((s, i) => `${s} AS s${i}`).join(', ')}`),
  );
  await storage.close();
  return {
    types: NUMBERS.map((c) => info[c]?.type ?? '?'),
    rows: Number(row?.['n']),
    sums: NUMBERS.map((_, i) => Number(row?.[`s${i}`])),
  };
}

/** A column's type once migrated, as the dialect's column info names it. */
const migratedTypes = (dialect: 'sqlite' | 'postgres') =>
  NUMBERS.map(() => (dialect === 'sqlite' ? 'float' : 'double precision'));

/** Every value kept: the same sums, up to the order doubles are added in (rows move on a rewrite). */
function expectSameSums(sums: readonly number[], before: readonly number[]): void {
  for (const [i, sum] of sums.entries())
    expect(Math.abs(sum - (before[i] ?? NaN))).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(sum)),
    );
}

const config = (storage: string) => `storage: ${storage}\nsources:\n  - tushare.daily\n`;

describe.each(['sqlite', 'postgres'] as const)(
  'dsync migrate killed mid-table, on %s',
  (dialect) => {
    const project = useProjects();
    const database = `dsync_migrate_kill_${process.pid}`;
    afterAll(async () => {
      if (dialect !== 'postgres') return;
      const admin = knex({
        client: 'pg',
        connection: 'postgres://postgres@127.0.0.1:5432/postgres',
      });
      await admin.raw(`DROP DATABASE IF EXISTS ${database}`);
      await admin.destroy();
    });

    it(`loses nothing, and a second run finishes it (${ROWS.toLocaleString('en-US')} rows)`, async () => {
      const dir = project({});
      let url = `sqlite:${join(dir, 'dsync.db')}`;
      if (dialect === 'postgres') {
        const admin = knex({
          client: 'pg',
          connection: 'postgres://postgres@127.0.0.1:5432/postgres',
        });
        await admin.raw(`DROP DATABASE IF EXISTS ${database}`);
        await admin.raw(`CREATE DATABASE ${database}`);
        await admin.destroy();
        url = `postgres://postgres@127.0.0.1:5432/${database}`;
      }
      await fill(url, dialect);
      const before = await fingerprint(url);
      expect(before.rows).toBe(ROWS);
      const work = project({ 'dsync.config.yaml': config(url) });

      // Killed as soon as it has started on the table: the rewrite is one transaction, so the
      // table is either as it was or wholly migrated (a small table may be done first), never
      // half of each, and no row is lost either way.
      const running = start(work, ['migrate']);
      await running.waitFor('to double…');
      running.signal('SIGKILL');
      await running.done;
      const killed = await fingerprint(url);
      expect(killed.rows).toBe(before.rows);
      expect([before.types, migratedTypes(dialect)]).toContainEqual(killed.types);
      expectSameSums(killed.sums, before.sums);

      const again = await dsync(work, ['migrate']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('Migrated 1 table');
      const after = await fingerprint(url);
      expect(after.rows).toBe(before.rows);
      expect(after.types.every((t) => ['float', 'real', 'double precision'].includes(t))).toBe(
        true,
      );
      // Every value kept: the same sums, up to the order the database adds the doubles in
      // (PostgreSQL's sum of 200,000 rows moved by the rewrite differs in its 16th digit).
      expectSameSums(after.sums, before.sums);
    });
  },
);
