// The CLI benchmarks' user: a project directory syncing from a sandbox into SQLite, and the
// built `dsync sync` run in it as its own process, as a user runs it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

/**
 * A new project: tushare.trade_cal and tushare.daily from the sandbox at `url` into
 * `data/dsync.db`, the token read from $TUSHARE_TOKEN; `remove` deletes it.
 */
export function project({ url, perMinute, maxConcurrent }) {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-bench-'));
  writeFileSync(
    join(dir, 'dsync.config.yaml'),
    [
      'storage: sqlite:data/dsync.db',
      'accounts:',
      '  tushare:',
      '    token: ${TUSHARE_TOKEN}',
      `    baseUrl: ${url}`,
      `    limits: { perMinute: ${perMinute}, maxConcurrent: ${maxConcurrent} }`,
      'sources:',
      '  - tushare.trade_cal',
      '  - tushare.daily',
      '',
    ].join('\n'),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `dsync sync tushare.daily --since … --until …` in the project `dir`, its output collected;
 * `exited` resolves with { code, signal, output }.
 */
export function startSync(dir, token, range) {
  const child = spawn(
    process.execPath,
    [BIN, 'sync', 'tushare.daily', '--since', range.since, '--until', range.until],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TUSHARE_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, kill: () => child.kill('SIGKILL'), exited };
}
