import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStorage } from '@dsync/storage-adapters';
import { starterConfig } from '../src/index.js';
import { formatNumber } from '../src/output/progress-format.js';
import { dsync, TOKEN, useProjects } from './e2e-helpers.js';

/** The rows of a plain table `dsync` printed, under the header line that starts with `header`. */
function tableAfter(stdout: string, header: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end).map((l) => l.split(/\s{2,}/));
}

/** Per table, its row count as `dsync` prints numbers. */
async function countsIn(url: string, tables: readonly string[]): Promise<string[][]> {
  const storage = createStorage({ url });
  await storage.ready();
  try {
    return await Promise.all(
      tables.map(async (t) => {
        const [row] = await storage.knex(t).count<{ n: number }[]>({ n: '*' });
        return [t, formatNumber(Number(row?.n))];
      }),
    );
  } finally {
    await storage.close();
  }
}

describe('dsync init and demo (the built binary)', () => {
  const project = useProjects();

  it('init writes the starter, which loads and validates; it overwrites a file only with --force', async () => {
    const dir = project();
    const file = join(dir, 'dsync.config.yaml');
    const first = await dsync(dir, ['init']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Wrote ${file}.`);
    expect(readFileSync(file, 'utf8')).toBe(starterConfig());

    const listed = await dsync(dir, ['sources', 'list', '--json'], { TUSHARE_TOKEN: TOKEN });
    expect(listed.code).toBe(0);
    const configured = (JSON.parse(listed.stdout) as { id: string; configured: boolean }[])
      .filter((s) => s.configured)
      .map((s) => s.id);
    expect(configured).toEqual([
      'tushare.trade_cal',
      'tushare.stock_basic',
      'tushare.daily',
      'tushare.adj_factor',
    ]);
    const status = await dsync(dir, ['status', '--json'], { TUSHARE_TOKEN: TOKEN });
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as unknown[]).length).toBe(4);
    // The token is the one thing the starter needs from the environment.
    const noToken = await dsync(dir, ['status']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('TUSHARE_TOKEN');

    writeFileSync(file, 'storage: sqlite:mine.db\n');
    const again = await dsync(dir, ['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} exists; pass --force to overwrite it.`);
    expect(readFileSync(file, 'utf8')).toBe('storage: sqlite:mine.db\n');
    const forced = await dsync(dir, ['init', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(starterConfig());
  });

  it('demo syncs its four sources into --db and prints the row counts the file holds', async () => {
    const dir = project();
    const result = await dsync(dir, ['demo', '--symbols', '3', '--db', 'demo.db']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Done in \S+, [\d,]+ requests, 0 throttled\. Stored:$/m);
    const printed = tableAfter(result.stdout, 'TABLE');
    const tables = [
      'tushare_trade_cal',
      'tushare_stock_basic',
      'tushare_daily',
      'tushare_adj_factor',
    ];
    expect(printed.map(([table]) => table)).toEqual(tables);
    expect(printed).toEqual(await countsIn(`sqlite:${join(dir, 'demo.db')}`, tables));
    expect(printed.every(([, rows]) => rows !== '0')).toBe(true);
  }, 180_000);
});
