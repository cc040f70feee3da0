import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The packages `dsync` needs, as npm would fetch them from the registry. */
const PACKAGES = [
  'datasource',
  'arg-generation',
  'synchronizer',
  'storage-adapters',
  'sandbox',
  'web',
  'cli',
];

describe('npm i -g @dsync/cli', () => {
  it('gives a dsync command that runs, SQLite included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsync-install-'));
    try {
      for (const p of PACKAGES)
        execFileSync('npm', ['pack', '--pack-destination', dir], {
          cwd: join(ROOT, 'packages', p),
          stdio: 'ignore',
        });
      const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).toHaveLength(PACKAGES.length);
      const prefix = join(dir, 'global');
      // npm 11 runs no install scripts of a global install unless allowed: the README says so too.
      execFileSync(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--allow-scripts=better-sqlite3',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          ...tarballs.map((t) => join(dir, t)),
        ],
        { stdio: 'ignore' },
      );
      const dsync = (...args: string[]) =>
        execFileSync(join(prefix, 'bin', 'dsync'), args, { cwd: dir, encoding: 'utf8' });
      expect(dsync('--help')).toContain('Usage: dsync [options] [command]');
      expect(dsync('sources', 'list', '--json')).toContain('"tushare.daily"');
      writeFileSync(
        join(dir, 'dsync.config.yaml'),
        'storage: sqlite:installed.db\nsources: [tushare.trade_cal]\n',
      );
      const status = JSON.parse(dsync('status', '--json')) as { sourceId: string; rows: number }[];
      expect(status).toEqual([expect.objectContaining({ sourceId: 'tushare.trade_cal', rows: 0 })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
