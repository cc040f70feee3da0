import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  groundTruth,
  Market,
  startNdlSandbox,
  startTushareSandbox,
  type NdlSandbox,
  type TushareSandbox,
} from '@dsync/sandbox';
import { dsync, TOKEN, TOKEN_ENV, useProjects } from './e2e-helpers.js';

/**
 * The user's story from the issue, through the built binary: an address that is not the
 * API's stops the source at once with the config key to fix and exit 2, stores nothing and
 * moves no cursor; the fixed config fetches everything. A request dropped among answered
 * ones shows in `status` and `tasks`, holds the cursor, and is asked again on request.
 */
const MARKET = { seed: 'cli-misconfigured', symbols: 5, start: '2024-01-01', end: '2024-02-29' };
const NDL_KEY = 'cli-misconfigured-ndl-key-0123';
const RANGE = ['--since', '2024-01-02', '--until', '2024-01-31'];

/** SQL on the project's SQLite database, as an analyst would run it. */
async function sql(dir: string, query: string): Promise<string> {
  const { stdout } = await promisify(execFile)('sqlite3', [join(dir, 'data', 'dsync.db'), query]);
  return stdout.trim();
}

const ndlConfig = (baseUrl: string) => `
storage: sqlite:data/dsync.db
accounts:
  ndl:
    apiKey: \${NDL_API_KEY}
    baseUrl: ${baseUrl}
sources:
  - ndl.SHARADAR.SEP
  - ndl.LBMA.GOLD
`;

const calendarConfig = (baseUrl: string, exchanges: string) => `
storage: sqlite:data/dsync.db
accounts:
  tushare:
    token: \${TUSHARE_TOKEN}
    baseUrl: ${baseUrl}
    limits: { perMinute: 6000, maxConcurrent: 4 }
sources:
  - extends: tushare.trade_cal
    id: my.cal
    params: { exchange: { kind: each, values: [${exchanges}] } }
    args: { kind: date-window, startParam: start_date, endParam: end_date, windowDays: 14 }
`;

describe('a misconfigured source, as a user meets it (the built binary)', () => {
  let ndl: NdlSandbox;
  let tushare: TushareSandbox;
  const project = useProjects();
  const env = { ...TOKEN_ENV, NDL_API_KEY: NDL_KEY };

  beforeAll(async () => {
    const market = new Market(MARKET);
    ndl = await startNdlSandbox({ market, apiKeys: [{ key: NDL_KEY, label: 'default' }] });
    tushare = await startTushareSandbox({
      market,
      accounts: [{ token: TOKEN, tier: { perMinute: 10_000, apis: 'all' } }],
    });
  });
  afterAll(async () => {
    await ndl.close();
    await tushare.close();
  });

  it('NDL: a wrong baseUrl exits 2 naming the key and stores nothing; the fixed one fetches it all', async () => {
    const dir = project({ 'dsync.config.yaml': ndlConfig(`${ndl.url}/proxy/api/v3`) });
    const wrong = await dsync(dir, ['sync', ...RANGE], env);
    expect(wrong.code).toBe(2);
    // Both NDL sources run at once on the one account: the first refused stops the other.
    expect(wrong.stdout).toMatch(
      /ndl\.(SHARADAR\.SEP|LBMA\.GOLD) stopped: its request was refused \(QECx01/,
    );
    expect(wrong.stdout).toContain(
      `Check accounts.ndl.baseUrl in ${join(dir, 'dsync.config.yaml')} (now ${ndl.url}/proxy/api/v3; expected like https://data.nasdaq.com/api/v3`,
    );
    // The other one says why it stopped too: a refusal of its own, or the first one's.
    expect(wrong.stdout).toMatch(
      /ndl\.(SHARADAR\.SEP|LBMA\.GOLD) (was not synced: the ndl account's base URL was refused|stopped: its request was refused)/,
    );
    expect(wrong.stdout.indexOf('stopped: its request was refused')).toBeLessThan(
      wrong.stdout.indexOf('was not synced') === -1
        ? Infinity
        : wrong.stdout.indexOf('was not synced'),
    );
    expect(wrong.stdout + wrong.stderr).not.toContain(NDL_KEY);
    // No table: nothing was stored.
    expect(
      await sql(dir, "SELECT count(*) FROM sqlite_master WHERE name = 'ndl_sharadar_sep'"),
    ).toBe('0');
    expect(await sql(dir, "SELECT count(*) FROM dsync_tasks WHERE status = 'dropped'")).toBe('0');
    expect(await sql(dir, 'SELECT count(*) FROM dsync_sources WHERE cursor IS NOT NULL')).toBe('0');

    // What `dsync sandbox` prints as `url` (the server's root) gets /api/v3 at load.
    const fixed = project({ 'dsync.config.yaml': ndlConfig(ndl.url) });
    await promisify(execFile)('cp', ['-r', join(dir, 'data'), fixed]);
    const done = await dsync(fixed, ['sync', ...RANGE], env);
    expect(done.code).toBe(0);
    const truth = groundTruth(new Market(MARKET)).ndlTable('SHARADAR', 'SEP', {
      'date.gte': '2024-01-02',
      'date.lte': '2024-01-31',
    });
    expect(
      await sql(
        fixed,
        "SELECT count(*) FROM ndl_sharadar_sep WHERE date BETWEEN '2024-01-02' AND '2024-01-31'",
      ),
    ).toBe(String(truth.length));
    expect(
      await sql(fixed, "SELECT cursor FROM dsync_sources WHERE source_id = 'ndl.SHARADAR.SEP'"),
    ).toBe('2024-01-31');
  });

  it('Tushare: a path that is not the API exits 2 naming accounts.tushare.baseUrl', async () => {
    const dir = project({ 'dsync.config.yaml': calendarConfig(`${tushare.url}/proxy`, 'SSE') });
    const wrong = await dsync(dir, ['sync', ...RANGE], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('HTTP 404');
    expect(wrong.stdout).toContain(
      `Check accounts.tushare.baseUrl in ${join(dir, 'dsync.config.yaml')} (now ${tushare.url}/proxy;`,
    );
    expect(wrong.stdout + wrong.stderr).not.toContain(TOKEN);
  });

  it('a dropped request shows in status and tasks, holds the cursor, and is asked again on request', async () => {
    const dir = project({ 'dsync.config.yaml': calendarConfig(tushare.url, 'SSE, XSHX, SZSE') });
    const first = await dsync(dir, ['sync', ...RANGE], env);
    // Dropped requests mean missing data: exit 1, and where to look.
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('my.cal: done, 9 requests');
    expect(first.stdout).toContain('3 dropped (see: dsync tasks --status dropped)');

    const status = await dsync(dir, ['status'], env);
    expect(status.code).toBe(0);
    const [header, row] = status.stdout.split('\n');
    expect(header).toMatch(/SETTLED .* DROPPED/);
    expect(row).toMatch(/^my\.cal .* 2024-01-01 .* 3 \(2024-01-02\.\.2024-01-30\)/);
    expect(status.stdout).toContain('dsync sync --retry-dropped');

    const tasks = await dsync(dir, ['tasks', '--status', 'dropped'], env);
    expect(tasks.stdout.split('\n').filter((l) => l.startsWith('my.cal'))).toHaveLength(3);
    expect(tasks.stdout).toContain('不支持的交易所: XSHX');
    expect(tasks.stdout).toContain(
      'They are asked again when the source’s definition or its account’s settings (base URL, token) change, or now with: dsync sync --retry-dropped',
    );

    // Asked again: the same refusal three times in a row is the definition's fault.
    const retried = await dsync(dir, ['sync', '--retry-dropped', ...RANGE], env);
    expect(retried.code).toBe(2);
    expect(retried.stdout).toContain(
      'my.cal stopped: its first 3 requests were all refused the same way',
    );
    expect(retried.stdout).toContain(
      `Check the params of sources[0] in ${join(dir, 'dsync.config.yaml')}.`,
    );

    // The definition fixed: the next sync completes, the cursor passes, nothing is dropped.
    const fixedDir = project({ 'dsync.config.yaml': calendarConfig(tushare.url, 'SSE, SZSE') });
    await promisify(execFile)('cp', ['-r', join(dir, 'data'), fixedDir]);
    const fixed = await dsync(fixedDir, ['sync', ...RANGE], env);
    expect(fixed.code).toBe(0);
    expect(await sql(fixedDir, "SELECT cursor FROM dsync_sources WHERE source_id = 'my.cal'")).toBe(
      '2024-01-31',
    );
    expect(
      await sql(
        fixedDir,
        'SELECT exchange, count(*) FROM my_cal GROUP BY exchange ORDER BY exchange',
      ),
    ).toBe('SSE|30\nSZSE|30');
    expect(await sql(fixedDir, "SELECT count(*) FROM dsync_tasks WHERE status <> 'done'")).toBe(
      '0',
    );
  });
});
