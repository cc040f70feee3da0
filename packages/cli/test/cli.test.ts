import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES, run } from '../src/index.js';

/** `dsync` in-process, in a fresh working directory holding these files. */
async function dsyncWith(files: Record<string, string>, ...args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'dsync-cli-unit-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  let stdout = '';
  let stderr = '';
  const code = await run(['node', 'dsync', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: {},
  });
  rmSync(cwd, { recursive: true, force: true });
  return { code, stdout, stderr };
}

const dsync = (...args: string[]) => dsyncWith({}, ...args);

/** Two catalog sources, one with its table renamed; both read the trade calendar. */
const CONFIGURED = {
  'dsync.config.yaml': `sources:
  - tushare.daily
  - { extends: tushare.adj_factor, storage: { table: my_adj } }
`,
};

describe('dsync', () => {
  it('prints help with the exit codes, and exits 0', async () => {
    const { code, stdout } = await dsync('--help');
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toContain('Usage: dsync [options] [command]');
    // Each line is what the end-to-end tests see the binary do.
    expect(stdout).toContain(
      [
        'Exit codes:',
        '  0    done (daemon, worker, sandbox and serve: stopped with Ctrl-C)',
        '  1    error (an API, a database or a broker out of reach; an answer dsync cannot use)',
        '  2    bad usage or config (unknown command, flag or source id; a broken config file; a missing',
        '       token; a source the API refuses as misconfigured: a wrong baseUrl, dataset or api code)',
        '  3    stopped at a limit (daily quota, a long cool-down); run again later to resume',
        '  4    distributed mode: fetched, but not stored within --store-timeout (no dsync worker took',
        '       the batches); start one, then run again to move the cursors',
        '  130  a sync interrupted (Ctrl-C); what was fetched is stored, run again to resume',
      ].join('\n'),
    );
  });

  it('prints the version of its package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await dsync('--version')).stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 on an unknown command or flag, saying which', async () => {
    const unknownCommand = await dsync('frobnicate');
    expect(unknownCommand.code).toBe(EXIT_CODES.usage);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    const unknownFlag = await dsync('sources', 'list', '--yaml');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--yaml'");
  });

  it('lists the catalog as a plain table and as JSON, none configured without a config file', async () => {
    const table = await dsync('sources', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CONFIGURED\s+PROVIDER\s+API\s+ARGS\s+TABLE\s+TITLE$/);
    expect(lines).toHaveLength(17);
    expect(lines[3]).toMatch(
      /^tushare\.daily {2,}tushare\s+daily\s+trade-calendar\s+tushare_daily\s+Daily bars/,
    );
    const json = JSON.parse((await dsync('sources', '--json')).stdout) as {
      id: string;
      configured: boolean;
    }[];
    expect(json.map((s) => s.id)).toContain('ndl.SHARADAR.SEP');
    expect(json.filter((s) => s.configured)).toEqual([]);
  });

  it('lists the configured sources first, as configured, then what they need, then the catalog', async () => {
    const table = await dsyncWith(CONFIGURED, 'sources', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(17);
    expect(lines.slice(1, 4).map((l) => l.split(/ {2,}/).slice(0, 2))).toEqual([
      ['tushare.daily', 'yes'],
      ['tushare.adj_factor', 'yes'],
      ['tushare.trade_cal', 'needed by tushare.daily, tushare.adj_factor'],
    ]);
    expect(lines[2]).toMatch(/\smy_adj\s/);
    expect(lines.slice(4).every((l) => /^\S+ {2,}tushare|^\S+ {2,}ndl/.test(l))).toBe(true);

    const json = JSON.parse((await dsyncWith(CONFIGURED, 'sources', 'list', '--json')).stdout) as {
      id: string;
      configured: boolean;
      neededBy?: string[];
      table: string;
    }[];
    expect(json).toHaveLength(16);
    expect(json.slice(0, 3)).toEqual([
      expect.objectContaining({ id: 'tushare.daily', configured: true, table: 'tushare_daily' }),
      expect.objectContaining({ id: 'tushare.adj_factor', configured: true, table: 'my_adj' }),
      expect.objectContaining({
        id: 'tushare.trade_cal',
        configured: false,
        neededBy: ['tushare.daily', 'tushare.adj_factor'],
      }),
    ]);
    expect(json.slice(3).filter((s) => s.configured || s.neededBy !== undefined)).toEqual([]);
  });

  it('shows one source, and suggests ids for an unknown one with exit 2', async () => {
    const shown = await dsync('sources', 'show', 'tushare.daily');
    expect(shown.stdout).toContain('table tushare_daily (upsert), primary key ts_code, trade_date');
    expect(shown.stdout).toMatch(/pct_chg\s+float\s+yes/);
    const configured = await dsyncWith(CONFIGURED, 'sources', 'show', 'tushare.adj_factor');
    expect(configured.stdout).toContain('table my_adj (upsert)');
    const unknown = await dsync('sources', 'show', 'daily');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown data source "daily"');
    expect(unknown.stderr).toContain('"tushare.daily"');
  });
});
