import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DsyncError } from '@dsync/datasource';
import { describe, expect, it } from '@jest/globals';
import {
  decide,
  MISCONFIGURED_CODES,
  type Outcome,
  type RunResult,
  type SourceResult,
} from '@dsync/synchronizer';
import { exitCodeOfRun } from '../src/commands/sync.js';
import { exitCodeOf } from '../src/errors.js';
import { EXIT_CODES, run } from '../src/index.js';
import { EXIT_CODES_HELP, EXIT_PRECEDENCE } from '../src/exit-codes.js';

/**
 * docs/errors.md lists every error code dsync produces, with the exit code it leads to. This
 * holds the page to the source: the codes the packages' sources write down, plus the ones the
 * engine builds from outcome kinds, against the page's table rows; and each row's exit code
 * against what the CLI does with the code.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PAGE = join(ROOT, 'docs', 'errors.md');
/** Where codes are written: every package's src, and the web UI's sources. */
const SOURCE_DIRS = [
  ...readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(ROOT, 'packages', entry.name, 'src')),
  join(ROOT, 'packages', 'web', 'ui'),
];
const SOURCE_FILE = /\.(c|m)?[jt]sx?$/;
/** A code as a string literal: 'E_X', "E_X" or `E_X` (in a comment too: a code named there is one). */
const CODE_LITERAL = /(['"`])(E_[A-Z0-9_]+)\1/g;
/** A code built at run time (`E_${…}`): the test must know how each is made. */
const DYNAMIC_CODE = /`E_\$\{/g;
/** The engine's outcome codes: run-task.ts `errorOf`. */
const OUTCOME_CODE_SITE = 'packages/synchronizer/src/engine/run-task.ts';
const OUTCOME_CODE_TEMPLATE = "`E_${outcome.kind.toUpperCase().replaceAll('-', '_')}`";

function* filesUnder(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (SOURCE_FILE.test(entry.name)) yield path;
  }
}

interface SourceScan {
  /** Each code, with the first place it is written. */
  readonly codes: Map<string, string>;
  /** Files that build a code at run time, relative to the repository. */
  readonly dynamic: Set<string>;
}

function scanSources(): SourceScan {
  const codes = new Map<string, string>();
  const dynamic = new Set<string>();
  for (const dir of SOURCE_DIRS)
    for (const file of filesUnder(dir)) {
      const text = readFileSync(file, 'utf8');
      const where = relative(ROOT, file).split('\\').join('/');
      for (const match of text.matchAll(CODE_LITERAL)) {
        const code = match[2] as string;
        const line = text.slice(0, match.index).split('\n').length;
        if (!codes.has(code)) codes.set(code, `${where}:${line}`);
      }
      if (DYNAMIC_CODE.test(text)) dynamic.add(where);
      DYNAMIC_CODE.lastIndex = 0;
    }
  return { codes, dynamic };
}

/**
 * The codes `errorOf` makes: one per outcome kind the error policy does not store or discard
 * (rows and empty answers never become errors). The kinds are read from outcome.ts, the
 * decision from the policy itself.
 */
function outcomeCodes(): Map<string, string> {
  const file = 'packages/synchronizer/src/outcome.ts';
  const text = readFileSync(join(ROOT, file), 'utf8');
  const kinds = [...text.matchAll(/kind:\s*'([a-z-]+)'/g)].map((m) => m[1] as string);
  const codes = new Map<string, string>();
  for (const kind of new Set(kinds)) {
    const outcome = { kind, rows: 1, message: kind } as unknown as Outcome;
    const { action } = decide(outcome, { attempt: 1 });
    if (action === 'store' || action === 'discard') continue;
    codes.set(`E_${kind.toUpperCase().replaceAll('-', '_')}`, `${file} (outcome kind ${kind})`);
  }
  return codes;
}

interface PageRow {
  readonly code: string;
  /** A number, or `—` for a code no command ends with. */
  readonly exit: string;
  readonly line: number;
}

/** The table rows that start with `| \`E_`: code, meaning, exit code, what to do. */
function pageRows(): { rows: PageRow[]; malformed: string[] } {
  const rows: PageRow[] = [];
  const malformed: string[] = [];
  readFileSync(PAGE, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (!/^\|\s*`E_/.test(text)) return;
      const cells = text
        .trim()
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      const code = /^`(E_[A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
      const exit = (cells[2] ?? '').replaceAll('`', '').trim();
      if (cells.length !== 4 || code === undefined || !/^(\d+|—)$/.test(exit))
        malformed.push(`docs/errors.md:${index + 1}: ${text.slice(0, 80)}`);
      else rows.push({ code, exit, line: index + 1 });
    });
  return { rows, malformed };
}

const ended = (status: RunResult['status'], code: string): RunResult => ({
  runId: 'error-codes',
  status,
  sources: [],
  reason: { code, message: code },
});

/**
 * The exit code the CLI gives a code: as the reason of a run that stopped (limits: 3) or
 * failed (a misconfigured source, a usage code: 2), else as a thrown error (usage: 2; else 1).
 * A run is cancelled, whatever else, with E_CANCELLED as its reason (sync-source.ts).
 */
function cliExit(code: string): number {
  if (code === 'E_CANCELLED') return exitCodeOfRun(ended('cancelled', code));
  const stopped = exitCodeOfRun(ended('stopped', code));
  if (stopped !== EXIT_CODES.failure) return stopped;
  const failed = exitCodeOfRun(ended('failed', code));
  if (failed !== EXIT_CODES.failure) return failed;
  return exitCodeOf(new DsyncError(code, code));
}

/** `dsync serve` beyond loopback without a token: what it exits with, and what it says. */
async function unsafeServe(): Promise<{ code: number; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'dsync-error-codes-'));
  let stderr = '';
  try {
    const code = await run(['node', 'dsync', 'serve', '--host', '0.0.0.0', '--port', '0'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      cwd,
      env: {},
      onInterrupt: () => () => undefined,
    });
    return { code, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Codes whose exit code is not the CLI's for the code itself, and why: each is checked the
 * way it reaches a command.
 */
const REACHED_THROUGH: Readonly<Record<string, () => Promise<number>>> = {
  // `dsync serve` reports the refusal of assertSafeBind as a usage error.
  E_UNSAFE_BIND: async () => {
    const { code, stderr } = await unsafeServe();
    expect(stderr).toContain('Refusing to listen on 0.0.0.0');
    return code;
  },
};

describe('docs/errors.md', () => {
  const source = scanSources();
  const { rows, malformed } = pageRows();

  it('parses: every row starting with `E_… has a code, a meaning, an exit code and a remedy', () => {
    expect(malformed).toEqual([]);
    const twice = rows.filter((r, i) => rows.findIndex((o) => o.code === r.code) !== i);
    expect(twice.map((r) => `docs/errors.md:${r.line}: ${r.code}`)).toEqual([]);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('knows how every code built at run time is made', () => {
    expect([...source.dynamic]).toEqual([OUTCOME_CODE_SITE]);
    expect(readFileSync(join(ROOT, OUTCOME_CODE_SITE), 'utf8')).toContain(OUTCOME_CODE_TEMPLATE);
  });

  it('lists exactly the codes the source produces', () => {
    const produced = new Map([...source.codes, ...outcomeCodes()]);
    const listed = new Set(rows.map((r) => r.code));
    const missing = [...produced]
      .filter(([code]) => !listed.has(code))
      .map(([code, where]) => `${code} (${where})`)
      .sort();
    const unproduced = [...listed].filter((code) => !produced.has(code)).sort();
    expect({ missing, unproduced }).toEqual({ missing: [], unproduced: [] });
  });

  it('gives each code the exit code the CLI gives it', async () => {
    const wrong: string[] = [];
    for (const { code, exit, line } of rows) {
      const reached = REACHED_THROUGH[code];
      const expected = reached === undefined ? cliExit(code) : await reached();
      // `—`: no command ends with it, which only a code the CLI singles out can contradict.
      const fits =
        exit === '—'
          ? reached === undefined && expected === EXIT_CODES.failure
          : Number(exit) === expected;
      if (!fits)
        wrong.push(`docs/errors.md:${line}: ${code} says ${exit}, the CLI gives ${expected}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('a run whose sources end differently', () => {
  const source = (
    sourceId: string,
    status: SourceResult['status'],
    code?: string,
    dropped = 0,
  ): SourceResult => ({
    sourceId,
    status,
    requests: 1,
    rows: 0,
    done: 0,
    dropped,
    skipped: 0,
    ...(code === undefined ? {} : { reason: { code, message: code } }),
  });
  const run = (...sources: SourceResult[]): RunResult => ({
    runId: 'precedence',
    status: 'done',
    sources,
  });

  it('exits with the first of 130, 2, 1, 4, 3, 0 that one of its sources has', () => {
    const limit = source('a', 'stopped', 'E_DAILY_LIMIT');
    const held = source('b', 'stopped', 'E_DEPENDENCY_STOPPED');
    const permission = source('c', 'failed', 'E_PERMISSION');
    const misconfigured = source('d', 'failed', MISCONFIGURED_CODES.api);
    const cancelled = source('e', 'cancelled', 'E_CANCELLED');
    const done = source('f', 'done');
    expect(exitCodeOfRun(run(done, done))).toBe(EXIT_CODES.ok);
    expect(exitCodeOfRun(run(done, limit, held))).toBe(EXIT_CODES.stoppedAtLimit);
    expect(exitCodeOfRun(run(limit, done, permission))).toBe(EXIT_CODES.failure);
    expect(exitCodeOfRun(run(limit, source('g', 'done', undefined, 2)))).toBe(EXIT_CODES.failure);
    expect(exitCodeOfRun(run(permission, misconfigured, limit))).toBe(EXIT_CODES.usage);
    expect(exitCodeOfRun(run(misconfigured, cancelled, permission))).toBe(EXIT_CODES.interrupted);
    // Fetched, not stored: a worker to start, before a limit to wait out, after a failure.
    const notStored = source('i', 'stopped', 'E_NOT_STORED');
    expect(exitCodeOfRun(run(limit, notStored, done))).toBe(EXIT_CODES.notStored);
    expect(exitCodeOfRun(run(notStored, permission))).toBe(EXIT_CODES.failure);
    // A source held back by one out of reach resumes with it, but the API is the cause: 1.
    expect(exitCodeOfRun(run(source('h', 'stopped', 'E_TIMEOUT'), held))).toBe(EXIT_CODES.failure);
  });

  it('documents the order in --help', () => {
    expect(EXIT_PRECEDENCE).toEqual([130, 2, 1, 4, 3, 0]);
    expect(EXIT_CODES_HELP).toContain(
      'the exit code is the first that applies of:\n130, 2, 1, 4, 3, 0.',
    );
  });
});
