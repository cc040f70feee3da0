import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSourceRegistry, type DataSource } from '@dsync/datasource';
import { groundTruth, Market } from '@dsync/sandbox';
import { createStorage } from '@dsync/storage-adapters';
import {
  dsync,
  marketOver,
  projectConfig,
  projectDb,
  TOKEN_ENV,
  useProjects,
  useSandbox,
} from './e2e-helpers.js';

/**
 * A store made by dsync 0.1 (prices as TEXT in SQLite, where SQL compares them as strings),
 * moved forward by `dsync migrate`, as a user would: a sync refuses it with the command to run,
 * the dry run says what would change, the migration keeps every row, and SQL then computes.
 */
const { market: MARKET, range: RANGE } = marketOver('cli-migrate', 6, '2024-01-01', '2024-01-31');

const daily = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');
/** tushare.daily as 0.1 defined it: its numbers exact decimals, TEXT on SQLite. */
const dailyOf01: DataSource = {
  ...daily,
  fields: daily.fields.map((f) =>
    f.type === 'float' && f.name !== 'pct_chg'
      ? { ...f, type: 'decimal', precision: 20, scale: 4 }
      : f,
  ),
};

async function sql(dir: string, query: string): Promise<string> {
  const { stdout } = await promisify(execFile)('sqlite3', [join(dir, 'data', 'dsync.db'), query]);
  return stdout.trim();
}

describe('dsync migrate (the built binary)', () => {
  const project = useProjects();
  const sandbox = useSandbox(MARKET);

  it('moves a 0.1 store forward: sync refuses it, migrate keeps every row, SQL computes', async () => {
    const dir = project({ 'dsync.config.yaml': projectConfig({ url: sandbox().baseUrl }) });
    // January's bars as 0.1 stored them.
    const truth = [
      ...groundTruth(new Market(MARKET)).tushare('daily', {
        start_date: '20240101',
        end_date: '20240131',
      }),
    ];
    const columns = daily.fields.map((f) => f.name);
    const storage = createStorage({ url: projectDb(dir) });
    await storage.write(
      {
        sourceId: daily.id,
        argsKey: 'daily?january',
        page: 0,
        columns,
        rows: truth.map((row) => columns.map((c) => row[c] ?? null)),
        schemaVersion: daily.schemaVersion,
        fetchedAt: '2024-02-01T00:00:00.000Z',
      },
      dailyOf01,
    );
    await storage.close();
    const closes = truth.map((r) => Number(r['close']));
    const max = Math.max(...closes);
    // As text, SQL's max is the largest string: what a user got from 0.1.
    expect(await sql(dir, 'SELECT typeof(close) FROM tushare_daily LIMIT 1')).toBe('text');

    const refused = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).toContain('Run "dsync migrate"');

    const dry = await dsync(dir, ['migrate', '--dry-run'], TOKEN_ENV);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        `tushare\\.daily +tushare_daily +${truth.length.toLocaleString('en-US')} +open, high, low, close, pre_close, change, vol, amount`,
      ),
    );
    expect(dry.stdout).toContain('Would migrate 1 table: run dsync migrate to do it.');
    expect(await sql(dir, 'SELECT typeof(close) FROM tushare_daily LIMIT 1')).toBe('text');

    const migrated = await dsync(dir, ['migrate'], TOKEN_ENV);
    expect(migrated.code).toBe(0);
    expect(migrated.stderr).toContain('[1/1] tushare_daily');
    expect(migrated.stderr).toMatch(/\[1\/1\] tushare_daily \(.*\): done in/);
    expect(migrated.stdout).toContain('Migrated 1 table: the columns hold doubles now.');
    expect(await sql(dir, 'SELECT typeof(close), count(*) FROM tushare_daily')).toBe(
      `real|${truth.length}`,
    );
    expect(Number(await sql(dir, 'SELECT max(close) FROM tushare_daily'))).toBe(max);
    expect(Number(await sql(dir, 'SELECT count(*) FROM tushare_daily WHERE close > 10'))).toBe(
      closes.filter((c) => c > 10).length,
    );
    const again = await dsync(dir, ['migrate'], TOKEN_ENV);
    expect(again.stdout).toContain('Nothing to migrate: every table stores numbers.');

    const synced = await dsync(dir, ['sync', 'tushare.daily', ...RANGE], TOKEN_ENV);
    expect(synced.code).toBe(0);
    // The sync wrote the served values over the rounded ones: the float tails are back.
    const changes = truth.map((r) => Number(r['change']));
    expect(Number(await sql(dir, 'SELECT sum(change) FROM tushare_daily'))).toBeCloseTo(
      changes.reduce((a, b) => a + b, 0),
      9,
    );
  });
});
