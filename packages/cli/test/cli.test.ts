import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES, run } from '../src/index.js';

async function dsync(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(['node', 'dsync', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: mkdtempSync(join(tmpdir(), 'dsync-cli-unit-')),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('dsync', () => {
  it('prints help with the exit codes, and exits 0', async () => {
    const { code, stdout } = await dsync('--help');
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toContain('Usage: dsync [options] [command]');
    expect(stdout).toContain(
      '3    stopped at a limit (daily quota, a long cool-down); run again later to resume',
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

  it('lists the catalog as a plain table and as JSON', async () => {
    const table = await dsync('sources', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PROVIDER\s+API\s+ARGS\s+TABLE\s+TITLE$/);
    expect(lines).toHaveLength(17);
    expect(lines[3]).toMatch(
      /^tushare\.daily\s+tushare\s+daily\s+trade-calendar\s+tushare_daily\s+Daily bars/,
    );
    const json = JSON.parse((await dsync('sources', '--json')).stdout) as { id: string }[];
    expect(json.map((s) => s.id)).toContain('ndl.SHARADAR.SEP');
  });

  it('shows one source, and suggests ids for an unknown one with exit 2', async () => {
    const shown = await dsync('sources', 'show', 'tushare.daily');
    expect(shown.stdout).toContain('table tushare_daily (upsert), primary key ts_code, trade_date');
    expect(shown.stdout).toMatch(/pct_chg\s+float\s+yes/);
    const unknown = await dsync('sources', 'show', 'daily');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown data source "daily"');
    expect(unknown.stderr).toContain('"tushare.daily"');
  });
});
