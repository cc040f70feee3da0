/**
 * The bad-input corpus: broken configs, wrong flags, hostile identifiers and paths, and
 * server answers with wrong types, missing fields and extra fields. Every case runs the
 * built `dsync` against a project that already holds a complete, known calendar and daily
 * table, and must end with its exact exit code and a message naming what is wrong and
 * where, no stack trace, and both tables exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  dsync,
  projectConfig,
  projectDb,
  TOKEN,
  TOKEN_ENV,
  useSandbox,
  workdir,
} from '../test/e2e-helpers.js';
import {
  dailyTruthSum,
  SMALL,
  storedSum,
  truthSum,
  useSecretScan,
  type TableSum,
} from './harness.js';

const MARKET = {
  seed: 'reliability-bad-input',
  symbols: 5,
  start: '2024-01-01',
  end: '2024-03-29',
};
/** The calendar is stored over the whole market, so a later daily sync never adds to it. */
const CALENDAR_RANGE = ['--since', MARKET.start, '--until', MARKET.end];
const DAILY_SINCE = '2024-01-01';
const DAILY_UNTIL = '2024-01-31';
/** Days no case may store (but the extra-fields one): the answer cases fetch them. */
const NEW_UNTIL = '2024-02-07';
const FIRST_NEW_DAY = '20240201';
/** The request the answer cases' messages name (the first new open day's). */
const FIRST_REQUEST = `daily?limit=6000&trade_date=${FIRST_NEW_DAY}`;
const CONCURRENCY = 4;

/**
 * The CI variant runs every third case of each group (each dsync is ~0.5 s of CPU); the
 * full variant all of them.
 */
const corpus = <T>(cases: readonly T[]): readonly T[] =>
  SMALL ? cases.filter((_, i) => i % 3 === 0) : cases;

interface Tables {
  readonly calendar: TableSum;
  readonly daily: TableSum;
}

const tablesOf = async (dir: string): Promise<Tables> => ({
  calendar: await storedSum(projectDb(dir), 'tushare.trade_cal'),
  daily: await storedSum(projectDb(dir), 'tushare.daily'),
});

/** One bad input: what to run, and exactly how dsync must refuse it. */
interface Case {
  readonly name: string;
  /** Files written into the project first (a broken config, say). */
  readonly files?: Record<string, string>;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly code: number;
  /** Texts stderr must hold: what is wrong, and where (a key path, a flag, an id, an answer). */
  readonly says: readonly string[];
}

/** What a case did, shaped so that `toEqual` against the expectation shows every miss at once. */
interface Observed {
  readonly name: string;
  readonly code: number | null;
  readonly missing: readonly string[];
  readonly stackTrace: boolean;
  readonly tables: Tables;
  /** Only when a text is missing: what it printed instead. */
  readonly printed?: string;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** The sandbox's `daily` answer, rewritten: `mutate` gets the envelope of a non-empty answer. */
type Rewrite = (envelope: { code: unknown; data: Record<string, unknown> }) => void;

const column = (name: string, envelope: Parameters<Rewrite>[0]) =>
  (envelope.data.fields as string[]).indexOf(name);
const rows = (envelope: Parameters<Rewrite>[0]) => envelope.data.items as unknown[][];

function withoutColumn(name: string): Rewrite {
  return (envelope) => {
    const at = column(name, envelope);
    (envelope.data.fields as string[]).splice(at, 1);
    for (const row of rows(envelope)) row.splice(at, 1);
  };
}

const REWRITES: Readonly<Record<string, Rewrite>> = {
  'close-as-text': (envelope) => {
    const at = column('close', envelope);
    for (const row of rows(envelope)) row[at] = 'abc';
  },
  'no-ts-code': withoutColumn('ts_code'),
  'no-trade-date': withoutColumn('trade_date'),
  'extra-field': (envelope) => {
    (envelope.data.fields as string[]).push('turnover_future');
    for (const row of rows(envelope)) row.push(1.25);
  },
  'items-not-a-list': (envelope) => {
    envelope.data.items = { rows: rows(envelope).length };
  },
  'code-as-text': (envelope) => {
    envelope.code = 'zero';
  },
  'fields-short-of-items': (envelope) => {
    (envelope.data.fields as string[]).pop();
  },
};

/**
 * A proxy in front of the sandbox that rewrites the `daily` answers as the first path
 * segment says (`/no-ts-code`), and passes everything else through unchanged.
 */
async function startHostileProxy(upstream: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      void (async () => {
        const answer = await fetch(`${upstream()}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        let text = await answer.text();
        const rewrite = REWRITES[(request.url ?? '').split('/')[1] ?? ''];
        const envelope = JSON.parse(text) as Parameters<Rewrite>[0];
        const asked = (JSON.parse(body) as { api_name: string }).api_name;
        if (rewrite !== undefined && asked === 'daily' && envelope.code === 0) {
          rewrite(envelope);
          text = JSON.stringify(envelope);
        }
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(text);
      })().catch((error: unknown) => {
        response.writeHead(502);
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The shared project's config with one line changed. */
const configWith = (config: string, from: string, to: string): string => {
  if (!config.includes(from)) throw new Error(`the config has no "${from}"`);
  return config.replace(from, to);
};

describe('the bad-input corpus, against a project holding known tables', () => {
  const sandbox = useSandbox(MARKET);
  const scan = useSecretScan();
  let project: { dir: string; remove: () => void };
  let proxy: { url: string; server: Server };
  let config = '';
  let before: Tables;
  let ledger: { status: unknown; runs: unknown };

  beforeAll(async () => {
    config = projectConfig({ url: sandbox().url });
    project = workdir({ 'dsync.config.yaml': config });
    proxy = await startHostileProxy(() => sandbox().url);
  });
  afterAll(async () => {
    project.remove();
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  /** What `status --json` and `runs --json` say: a case that stops before a run leaves both alone. */
  async function ledgerOf(dir: string): Promise<{ status: unknown; runs: unknown }> {
    const status = await dsync(dir, ['status', '--json'], TOKEN_ENV);
    const runs = await dsync(dir, ['runs', '--json'], TOKEN_ENV);
    expect([status.code, runs.code]).toEqual([0, 0]);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>[];
    // Today's quota count is the provider's day, not the tables': it moves with the clock.
    const steady = parsed.map(({ quotaUsedToday: _quota, ...rest }) => rest);
    return { status: steady, runs: JSON.parse(runs.stdout) as unknown };
  }

  async function observe(dir: string, c: Case): Promise<Observed> {
    for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), text);
    const result = await scan.dsync(dir, c.args, { ...TOKEN_ENV, ...c.env });
    // Errors go to stderr; a run's summary (its Failed: line) to stdout.
    const printed = result.stdout + result.stderr;
    const missing = c.says.filter((text) => !printed.includes(text));
    return {
      name: c.name,
      code: result.code,
      missing,
      stackTrace: /^\s+at /m.test(printed),
      tables: await tablesOf(dir),
      ...(missing.length === 0 ? {} : { printed }),
    };
  }

  const expected = (cases: readonly Case[], tables: (c: Case) => Tables = () => before) =>
    cases.map((c) => ({
      name: c.name,
      code: c.code,
      missing: [],
      stackTrace: false,
      tables: tables(c),
    }));

  /** Runs cases on the shared project; none of them may touch its tables or its ledger. */
  async function expectRefused(all: readonly Case[]): Promise<void> {
    scan.secret(TOKEN);
    const cases = corpus(all);
    const observed = await pool(cases, CONCURRENCY, (c) => observe(project.dir, c));
    expect(observed).toEqual(expected(cases));
    expect(await ledgerOf(project.dir)).toEqual(ledger);
  }

  it('starts from complete tables equal to the ground truth', async () => {
    scan.secret(TOKEN);
    const calendar = await scan.dsync(
      project.dir,
      ['sync', 'tushare.trade_cal', ...CALENDAR_RANGE],
      TOKEN_ENV,
    );
    expect(calendar.code).toBe(0);
    const daily = await scan.dsync(
      project.dir,
      ['sync', 'tushare.daily', '--since', DAILY_SINCE, '--until', DAILY_UNTIL],
      TOKEN_ENV,
    );
    expect(daily.code).toBe(0);
    before = await tablesOf(project.dir);
    expect(before).toEqual({
      calendar: truthSum(MARKET, 'tushare.trade_cal', {
        exchange: 'SSE',
        start_date: MARKET.start.replaceAll('-', ''),
        end_date: MARKET.end.replaceAll('-', ''),
      }),
      daily: dailyTruthSum(MARKET, DAILY_SINCE, DAILY_UNTIL),
    });
    expect(before.daily.rows).toBeGreaterThan(80);
    ledger = await ledgerOf(project.dir);
  });

  it('refuses broken configs with exit 2 (1 for a path it cannot create), naming the file and the key', async () => {
    const file = (name: string) => join(project.dir, name);
    const bad = (name: string, text: string, says: (path: string) => string[], code = 2): Case => ({
      name,
      files: { [`${name}.yaml`]: text },
      args: ['-c', `${name}.yaml`, 'sync', 'tushare.daily', '--until', NEW_UNTIL],
      code,
      says: says(file(`${name}.yaml`)),
    });
    const cases: Case[] = [
      bad('invalid-yaml', 'storage: sqlite:data/dsync.db\naccounts: [\n', (p) => [
        `${p}: line 3, column 1:`,
      ]),
      bad('rate-as-text', configWith(config, 'perMinute: 6000', 'perMinute: "fast"'), (p) => [
        `${p}: accounts.tushare.limits.perMinute: expected a number; got a string`,
      ]),
      bad('negative-rate', configWith(config, 'perMinute: 6000', 'perMinute: -5'), (p) => [
        `${p}: accounts.tushare.limits.perMinute: expected a number >= 1`,
      ]),
      bad(
        'fractional-concurrency',
        configWith(config, 'maxConcurrent: 4', 'maxConcurrent: 1.5'),
        (p) => [`${p}: accounts.tushare.limits.maxConcurrent: expected an integer; got 1.5`],
      ),
      bad(
        'unknown-limit',
        configWith(config, 'maxConcurrent: 4', 'maxConcurrent: 4, burst: 9'),
        (p) => [`${p}: accounts.tushare.limits.burst: unknown key`],
      ),
      bad('unknown-tier', configWith(config, '    limits:', '    tier: 3000\n    limits:'), (p) => [
        `${p}: accounts.tushare.tier: expected one of 120, 2000, 5000, 10000, 15000; got 3000`,
      ]),
      bad(
        'unset-token-variable',
        configWith(config, '${TUSHARE_TOKEN}', '${TUSHARE_TOKEN_UNSET}'),
        (p) => [
          `${p}: accounts.tushare.token: the environment variable TUSHARE_TOKEN_UNSET is not set`,
        ],
      ),
      bad(
        'storage-of-another-kind',
        configWith(config, 'storage: sqlite:data/dsync.db', 'storage: redis://localhost'),
        (p) => [`${p}: storage: expected sqlite:<file>, sqlite::memory:, or a postgres://`],
      ),
      bad('top-level-list', '- tushare.daily\n', (p) => [`${p}: expected a mapping; got a list`]),
      bad('unknown-source', configWith(config, '  - tushare.daily', '  - tushare.dayly'), () => [
        'Unknown data source "tushare.dayly" (referenced by sources[1]). Did you mean "tushare.daily"',
      ]),
      bad(
        'extends-unknown-source',
        configWith(config, '  - tushare.daily', '  - { extends: tushare.nope }'),
        () => ['Unknown data source "tushare.nope" (referenced by sources[1].extends)'],
      ),
      bad(
        'dependency-cycle',
        configWith(
          config,
          '  - tushare.daily',
          [
            '  - { extends: tushare.daily, id: my.a, dependsOn: [my.b], storage: { table: my_a } }',
            '  - { extends: tushare.daily, id: my.b, dependsOn: [my.a], storage: { table: my_b } }',
          ].join('\n'),
        ),
        () => ['Data sources depend on each other in a cycle: my.a -> my.b -> my.a.'],
      ),
      bad(
        'nul-in-source-id',
        configWith(config, '  - tushare.daily', '  - "tushare.daily\\0"'),
        () => ['Unknown data source "tushare.daily\\u0000" (referenced by sources[1])'],
      ),
      {
        name: 'broken-json',
        files: { 'broken.json': '{\n  "storage": \n}\n' },
        args: ['-c', 'broken.json', 'status'],
        code: 2,
        says: [`${file('broken.json')}: line 3, column 1:`],
      },
      {
        name: 'config-is-a-directory',
        args: ['-c', 'data', 'status'],
        code: 2,
        says: [`${file('data')}: is a directory, not a config file`],
      },
      {
        name: 'config-does-not-exist',
        args: ['-c', 'missing.yaml', 'status'],
        code: 2,
        says: [`${file('missing.yaml')}: the config file does not exist`],
      },
      // An empty file is documented as all defaults: another database, this one untouched.
      {
        name: 'empty-config',
        files: { 'empty.yaml': '' },
        args: ['-c', 'empty.yaml', 'sync'],
        code: 0,
        says: [],
      },
    ];
    await expectRefused(cases);
  });

  it('refuses wrong flags with exit 2 naming the flag (1 for a log file it cannot open)', async () => {
    const flag = (name: string, args: string[], says: string[], code = 2): Case => ({
      name,
      args,
      code,
      says,
    });
    await expectRefused([
      flag('unknown-command', ['synchronise'], ["unknown command 'synchronise'"]),
      flag('unknown-option', ['sync', '--bogus'], ["unknown option '--bogus'"]),
      flag(
        'no-such-date',
        ['sync', 'tushare.daily', '--since', '2024-02-30'],
        ['--since takes a date as YYYY-MM-DD, got "2024-02-30"'],
      ),
      flag(
        'until-not-a-date',
        ['sync', 'tushare.daily', '--until', 'tomorrow'],
        ['--until takes a date as YYYY-MM-DD, got "tomorrow"'],
      ),
      flag(
        'until-before-since',
        ['sync', 'tushare.daily', '--since', '2024-02-10', '--until', '2024-02-01'],
        ['--since 2024-02-10 is after --until 2024-02-01'],
      ),
      flag(
        'date-missing',
        ['sync', 'tushare.daily', '--since'],
        ["option '--since <date>' argument missing"],
      ),
      flag(
        'negative-prefetch',
        ['worker', '--prefetch', '-1'],
        ['--prefetch takes a whole number ≥ 1, got "-1"'],
      ),
      flag(
        'port-not-a-number',
        ['serve', '--port', 'abc'],
        ['--port takes a port number (0 to 65535), got "abc"'],
      ),
      flag(
        'port-out-of-range',
        ['serve', '--port', '70000'],
        ['--port takes a port number (0 to 65535), got "70000"'],
      ),
      flag(
        'limit-not-a-number',
        ['runs', '--limit', 'x'],
        ['--limit takes a whole number ≥ 1, got "x"'],
      ),
      flag(
        'unknown-task-status',
        ['tasks', '--status', 'nope'],
        ['--status takes one of pending, running, done, dropped, failed, got "nope"'],
      ),
      flag(
        'unknown-log-level',
        ['--log-level', 'loud', 'status'],
        ["option '--log-level <level>' argument 'loud' is invalid"],
      ),
      // Node's recursive mkdir spins forever under /proc: this one used to hang.
      flag(
        'log-file-under-proc',
        ['--log-file', '/proc/nope/dsync.log', 'sync', 'tushare.daily'],
        [
          "cannot open the log file /proc/nope/dsync.log: ENOENT: no such file or directory, mkdir '/proc/nope'",
        ],
        1,
      ),
      flag(
        'log-file-under-a-file',
        ['--log-file', '/etc/passwd/dsync.log', 'sync', 'tushare.daily'],
        [
          "cannot open the log file /etc/passwd/dsync.log: EEXIST: file already exists, mkdir '/etc/passwd'",
        ],
        1,
      ),
    ]);
  });

  it('refuses hostile identifiers and paths, naming them, and writes nothing where they point', async () => {
    /** `shown`: the id as the error quotes it (control characters escaped, long ids cut). */
    const unknown = (name: string, id: string, command = 'sync', shown = `"${id}"`): Case => ({
      name,
      args: [command, id],
      code: 2,
      says: [`Unknown data source ${shown} (referenced by the command line)`],
    });
    const custom = (name: string, entry: string, says: string[]): Case => ({
      name,
      files: { [`${name}.yaml`]: configWith(config, '  - tushare.daily', `  - ${entry}`) },
      args: ['-c', `${name}.yaml`, 'sync', '--until', NEW_UNTIL],
      code: 2,
      says,
    });
    const storage = (name: string, url: string, says: string[]): Case => ({
      name,
      files: {
        [`${name}.yaml`]: configWith(config, 'storage: sqlite:data/dsync.db', `storage: ${url}`),
      },
      args: ['-c', `${name}.yaml`, 'sync', 'tushare.daily', '--until', NEW_UNTIL],
      code: 1,
      says,
    });
    const IDENTIFIER = 'expected a name of letters, digits and _';
    await expectRefused([
      unknown('path-traversal-id', '../../etc/passwd'),
      unknown('sql-in-id', 'tushare.daily; drop table tushare_daily'),
      unknown('quote-comment-id', "tushare.daily'--"),
      unknown('newline-id', 'tushare.daily\nx', 'sync', '"tushare.daily\\nx"'),
      unknown(
        'ten-thousand-character-id',
        'a'.repeat(10_000),
        'sync',
        `"${'a'.repeat(80)}…" (10000 characters)`,
      ),
      unknown('audit-of-a-path', '../../etc/passwd', 'audit'),
      unknown('plan-of-sql', 'tushare.daily; drop table tushare_daily', 'plan'),
      custom(
        'sql-in-table-name',
        '{ extends: tushare.daily, id: my.daily, storage: { table: "x; drop table tushare_daily" } }',
        ['Invalid data source "my.daily"', `sources[1].storage.table: ${IDENTIFIER}`],
      ),
      custom(
        'path-in-table-name',
        '{ extends: tushare.daily, id: my.daily, storage: { table: "../../etc" } }',
        [`sources[1].storage.table: ${IDENTIFIER}`],
      ),
      custom(
        'sql-in-field-name',
        '{ id: my.daily, provider: tushare, api: daily, primaryKey: [trade_date], fields: [{ name: "ts_code; drop table tushare_daily", type: string }, { name: trade_date, type: date }] }',
        ['Invalid data source "my.daily"', `sources[1].fields[0].name: ${IDENTIFIER}`],
      ),
      custom('path-as-source-id', '{ extends: tushare.daily, id: "../../etc/passwd" }', [
        'expected a source id of dotted words',
      ]),
      // Publication settings that make no sense are refused at load, naming source and key.
      custom(
        'publication-at-25-oclock',
        '{ extends: tushare.daily, publication: { from: "25:00" } }',
        [
          'Invalid data source "tushare.daily"',
          'sources[1].publication.from: expected a time of day from 00:00 to 23:59 as HH:MM; got "25:00"',
        ],
      ),
      custom(
        'publication-negative-lag',
        '{ extends: tushare.daily, publication: { lagDays: -1 } }',
        ['sources[1].publication.lagDays: expected a whole number of days ≥ 0'],
      ),
      custom(
        'publication-unknown-zone',
        '{ extends: tushare.daily, publication: { timezone: Mars/Olympus } }',
        [
          'sources[1].publication.timezone: expected an IANA time zone such as "Asia/Shanghai", got "Mars/Olympus"',
        ],
      ),
      custom(
        'publication-settle-nonsense',
        '{ extends: tushare.income, publication: { settle: soon } }',
        [
          'Invalid data source "tushare.income"',
          'sources[1].publication.settle: expected how long a day may still change after it is published',
        ],
      ),
      storage('sqlite-under-proc', 'sqlite:/proc/nope/dsync.db', [
        "sqlite:/proc/nope/dsync.db: cannot create the database's folder /proc/nope: ENOENT",
      ]),
      storage('sqlite-under-a-file', 'sqlite:/etc/passwd/dsync.db', [
        "sqlite:/etc/passwd/dsync.db: cannot create the database's folder /etc/passwd: EEXIST",
      ]),
      storage('files-under-proc', '{ files: /proc/nope }', [
        "sqlite:/proc/nope/dsync-ledger.db: cannot create the database's folder /proc/nope: ENOENT",
      ]),
    ]);
  });

  it('names the source, the request and the fault of answers it cannot use; keeps known columns of an answer with more', async () => {
    scan.secret(TOKEN);
    const answer = (mode: string, code: number, says: string[]): Case => ({
      name: mode,
      args: ['sync', 'tushare.daily', '--until', NEW_UNTIL],
      code,
      says,
    });
    const dropped = (mode: string, fault: string) =>
      answer(mode, 1, [
        `tushare.daily: dropped ${FIRST_REQUEST}: Batch of "tushare.daily" rejected: row 0, ${fault}`,
      ]);
    const unusable = (mode: string, fault: string) =>
      answer(mode, 1, [
        `tushare.daily: stopped: ${fault}`,
        `Failed: the tushare API at ${proxy.url}/${mode} gave no usable answer (${fault}`,
      ]);
    const all: Case[] = [
      dropped('close-as-text', 'field close: expected a number, got "abc"'),
      dropped('no-ts-code', 'field ts_code: primary key value missing'),
      dropped('no-trade-date', 'field trade_date: primary key value missing'),
      // Tushare adds columns over time: the known ones are stored, the new one left out.
      answer('extra-field', 0, []),
      unusable('items-not-a-list', 'code 0 without data.fields and data.items'),
      unusable('code-as-text', 'HTTP 200: JSON without a Tushare code'),
      unusable('fields-short-of-items', 'code 0 with rows that do not have the 10 fields'),
    ];
    // Each case on its own copy of the project: one case's stored days must not hide another's.
    const cases = corpus(all);
    const observed = await pool(cases, cases.length, (c) => {
      const dir = scan.project(
        {
          'dsync.config.yaml': configWith(
            config,
            `baseUrl: ${sandbox().url}`,
            `baseUrl: ${proxy.url}/${c.name}`,
          ),
        },
        TOKEN_ENV,
      );
      cpSync(join(project.dir, 'data'), join(dir, 'data'), { recursive: true });
      return observe(dir, c);
    });
    expect(observed).toEqual(
      expected(cases, (c) =>
        c.name === 'extra-field'
          ? { ...before, daily: dailyTruthSum(MARKET, DAILY_SINCE, NEW_UNTIL) }
          : before,
      ),
    );
  });

  it('leaves the project with no secret in its files or its web answers', async () => {
    scan.secret(TOKEN);
    const copy = scan.project({}, TOKEN_ENV);
    cpSync(project.dir, copy, { recursive: true });
    expect(await tablesOf(copy)).toEqual(before);
  });
});
