import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSourceRegistry, type SourceEntry } from '@dsync/datasource';
import { DEFAULT_LIMITS } from '@dsync/synchronizer';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  accountLimits,
  ConfigError,
  configJsonSchema,
  loadConfig,
  REGENERATE_SCHEMA_COMMAND,
  starterConfig,
  type TushareAccount,
} from '../src/config/index.js';
import { distributedSettings } from '../src/runtime/distributed.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory holding these files (paths relative to it). */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dsync-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The ConfigError a load fails with. */
async function failure(load: Promise<unknown>): Promise<ConfigError> {
  try {
    await load;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const DEFAULTS = { queue: 'memory', log: { level: 'info' }, accounts: {}, sources: [] };

describe('finding and reading the config file', () => {
  it('uses the defaults when the working directory has no config file', async () => {
    const dir = project();
    expect(await loadConfig({ cwd: dir, env: {} })).toEqual({
      config: { ...DEFAULTS, storage: `sqlite:${join(dir, 'dsync.db')}` },
      path: undefined,
      dir,
    });
  });

  it('reads dsync.config.yaml from the working directory', async () => {
    const dir = project({
      'dsync.config.yaml': [
        'storage: sqlite:market.db',
        'queue: { url: amqp://localhost, exchange: dsync }',
        'log: { level: debug }',
        'accounts:',
        '  tushare:',
        '    token: tok-abc',
        '    label: main',
        '    baseUrl: http://127.0.0.1:7000',
        '    timeoutMs: 5000',
        '    tier: 5000',
        '    limits: { maxConcurrent: 2 }',
        'sources:',
        '  - tushare.trade_cal',
        '  - extends: tushare.daily',
        '    sync: { since: "2015-01-01" }',
        '',
      ].join('\n'),
    });
    expect(await loadConfig({ cwd: dir, env: {} })).toEqual({
      config: {
        storage: `sqlite:${join(dir, 'market.db')}`,
        queue: { url: 'amqp://localhost', exchange: 'dsync' },
        log: { level: 'debug' },
        accounts: {
          tushare: {
            token: 'tok-abc',
            label: 'main',
            baseUrl: 'http://127.0.0.1:7000',
            timeoutMs: 5000,
            tier: 5000,
            limits: { maxConcurrent: 2 },
          },
        },
        sources: ['tushare.trade_cal', { extends: 'tushare.daily', sync: { since: '2015-01-01' } }],
      },
      path: join(dir, 'dsync.config.yaml'),
      dir,
    });
  });

  it('reads dsync.config.json, and dsync.config.yml', async () => {
    const json = project({
      'dsync.config.json': JSON.stringify({
        $schema: './node_modules/@dsync/cli/dsync.schema.json',
        storage: { files: 'out', format: 'jsonl', partition: 'date' },
        accounts: { ndl: { apiKey: 'ndl-key', premium: true } },
      }),
    });
    expect(await loadConfig({ cwd: json, env: {} })).toEqual({
      config: {
        ...DEFAULTS,
        $schema: './node_modules/@dsync/cli/dsync.schema.json',
        storage: { files: join(json, 'out'), format: 'jsonl', partition: 'date' },
        accounts: { ndl: { apiKey: 'ndl-key', premium: true } },
      },
      path: join(json, 'dsync.config.json'),
      dir: json,
    });

    const yml = project({ 'dsync.config.yml': 'queue: amqps://broker.example\n' });
    expect(await loadConfig({ cwd: yml, env: {} })).toEqual({
      config: {
        ...DEFAULTS,
        storage: `sqlite:${join(yml, 'dsync.db')}`,
        queue: 'amqps://broker.example',
      },
      path: join(yml, 'dsync.config.yml'),
      dir: yml,
    });
  });

  it('reads an empty file as all defaults', async () => {
    const dir = project({ 'dsync.config.yaml': '# nothing set yet\n' });
    expect((await loadConfig({ cwd: dir, env: {} })).config).toEqual({
      ...DEFAULTS,
      storage: `sqlite:${join(dir, 'dsync.db')}`,
    });
  });

  it('reads an explicit path relative to the working directory, resolving against its own directory', async () => {
    const root = project({
      'conf/prod.yaml': 'storage: sqlite:../data/x.db\nlog: { file: logs/dsync.log }\n',
    });
    expect(await loadConfig({ cwd: root, path: 'conf/prod.yaml', env: {} })).toEqual({
      config: {
        ...DEFAULTS,
        storage: `sqlite:${join(root, 'data/x.db')}`,
        log: { level: 'info', file: join(root, 'conf/logs/dsync.log') },
      },
      path: join(root, 'conf/prod.yaml'),
      dir: join(root, 'conf'),
    });
  });

  it('refuses an explicit path that does not exist', async () => {
    const dir = project();
    const error = await failure(loadConfig({ cwd: dir, path: 'missing.yaml', env: {} }));
    expect(error.message).toBe(`${join(dir, 'missing.yaml')}: the config file does not exist`);
    expect(error.code).toBe('E_CONFIG');
    expect(error.file).toBe(join(dir, 'missing.yaml'));
    expect(error.keyPath).toBe(undefined);
  });

  it('refuses to guess between two config files', async () => {
    const dir = project({ 'dsync.config.yaml': '{}\n', 'dsync.config.json': '{}' });
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      `${dir}: found dsync.config.yaml and dsync.config.json; keep one, or choose one with --config`,
    );
  });
});

describe('syntax errors', () => {
  it('reports a YAML error with its line and column', async () => {
    const dir = project({
      'dsync.config.yaml': 'storage: sqlite:a.db\nlog:\n  level: info\n file: x\n',
    });
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      `${join(dir, 'dsync.config.yaml')}: line 4, column 1: All mapping items must start at the same column`,
    );
    expect(error.issues).toEqual([
      { line: 4, column: 1, message: 'All mapping items must start at the same column' },
    ]);
  });

  it('reports a JSON error with its line and column, also where V8 gives no position', async () => {
    const file = (dir: string) => join(dir, 'dsync.config.json');
    const token = project({
      'dsync.config.json': '{\n  "storage": "sqlite:a.db",\n  "queue": memory\n}\n',
    });
    expect((await failure(loadConfig({ cwd: token, env: {} }))).message).toBe(
      `${file(token)}: line 3, column 12: Unexpected token 'm'`,
    );
    const comma = project({ 'dsync.config.json': '{"log": {"level": "info",}}' });
    expect((await failure(loadConfig({ cwd: comma, env: {} }))).message).toBe(
      `${file(comma)}: line 1, column 26: Expected double-quoted property name`,
    );
    const truncated = project({ 'dsync.config.json': '{\n  "log": ' });
    expect((await failure(loadConfig({ cwd: truncated, env: {} }))).message).toBe(
      `${file(truncated)}: line 2, column 10: Unexpected end of JSON input`,
    );
  });
});

describe('validation', () => {
  it('names unknown keys and missing ones by their key path', async () => {
    const dir = project({
      'dsync.config.yaml': 'accounts:\n  tushare:\n    tokn: abc\nstorag: sqlite:x.db\n',
    });
    const file = join(dir, 'dsync.config.yaml');
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      [
        `${file}: accounts.tushare.token: required`,
        `${file}: accounts.tushare.tokn: unknown key`,
        `${file}: storag: unknown key`,
      ].join('\n'),
    );
    expect(error.keyPath).toBe('accounts.tushare.token');
    expect(error.file).toBe(file);
  });

  it('refuses a baseUrl that is not an http(s) URL', async () => {
    const dir = project({
      'dsync.config.yaml': 'accounts:\n  tushare:\n    token: abc\n    baseUrl: localhost:7000\n',
    });
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      `${join(dir, 'dsync.config.yaml')}: accounts.tushare.baseUrl: expected an http:// or https:// URL; got "localhost:7000"`,
    );
  });

  it("normalises a baseUrl by the client's rule: NDL's gets /api/v3, no trailing slash", async () => {
    const dir = project({
      'dsync.config.yaml': [
        'accounts:',
        '  tushare: { token: abc, baseUrl: "http://127.0.0.1:8/dataapi/" }',
        '  ndl: { apiKey: k, baseUrl: "http://127.0.0.1:9/" }',
        '',
      ].join('\n'),
    });
    expect((await loadConfig({ cwd: dir, env: {} })).config.accounts).toEqual({
      tushare: { token: 'abc', baseUrl: 'http://127.0.0.1:8/dataapi' },
      ndl: { apiKey: 'k', baseUrl: 'http://127.0.0.1:9/api/v3' },
    });
  });

  it('refuses a baseUrl with a doubled or wrong API path, naming the key, the value and the form', async () => {
    const dir = project({
      'dsync.config.yaml': [
        'accounts:',
        '  tushare: { token: abc, baseUrl: "http://127.0.0.1:8/api/v3" }',
        '  ndl: { apiKey: k, baseUrl: "http://127.0.0.1:9/api/v3/api/v3" }',
        '',
      ].join('\n'),
    });
    const file = join(dir, 'dsync.config.yaml');
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      [
        `${file}: accounts.tushare.baseUrl: Tushare baseUrl "http://127.0.0.1:8/api/v3" ends in /api/v3, the path of NDL's API; ` +
          "expected the server's address, e.g. http://api.tushare.pro, or one ending in /dataapi once, " +
          "e.g. http://api.waditu.com/dataapi; the sandbox's start line prints the value to paste (tushare.baseUrl)",
        `${file}: accounts.ndl.baseUrl: NDL baseUrl "http://127.0.0.1:9/api/v3/api/v3" has /api/v3 doubled; ` +
          "it must end in /api/v3 once, e.g. https://data.nasdaq.com/api/v3; the sandbox's start line prints the value to paste (ndl.baseUrl)",
      ].join('\n'),
    );
    expect(error.keyPath).toBe('accounts.tushare.baseUrl');
  });

  it('never shows the password of a refused baseUrl', async () => {
    const dir = project({
      'dsync.config.yaml':
        'accounts:\n  ndl: { apiKey: k, baseUrl: "http://u:pr0xy-pass@proxy/api/v2" }\n',
    });
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toContain(
      'accounts.ndl.baseUrl: NDL baseUrl "http://u:***@proxy/api/v2" does not end in /api/v3; it must end in /api/v3',
    );
    expect(error.message).not.toContain('pr0xy-pass');
  });

  it('explains bad values of each kind, with array indexes in the key path', async () => {
    const dir = project({
      'dsync.config.yaml': [
        'storage: { files: ./out, format: xml }',
        'queue: redis://cache',
        'log: { level: verbose }',
        'accounts:',
        '  ndl: { apiKey: k, timeoutMs: 1.5, limits: { perDay: 0 } }',
        'sources: [tushare.daily, "", 3]',
        '',
      ].join('\n'),
    });
    const file = join(dir, 'dsync.config.yaml');
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      [
        `${file}: storage.format: expected one of csv, jsonl, parquet; got "xml"`,
        `${file}: queue: expected memory or an amqp:// or amqps:// URL; got "redis://cache"`,
        `${file}: log.level: expected one of fatal, error, warn, info, debug, trace, silent; got "verbose"`,
        `${file}: accounts.ndl.timeoutMs: expected an integer; got 1.5`,
        `${file}: accounts.ndl.limits.perDay: expected a number >= 1`,
        `${file}: sources[1]: must not be empty`,
        `${file}: sources[2]: expected a string or a mapping; got a number`,
      ].join('\n'),
    );
  });

  it('refuses a top level that is not a mapping', async () => {
    const dir = project({ 'dsync.config.yaml': '- tushare.daily\n' });
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      `${join(dir, 'dsync.config.yaml')}: expected a mapping; got a list`,
    );
  });
});

describe('environment variables', () => {
  const ACCOUNTS =
    'accounts:\n  tushare:\n    token: ${TUSHARE_TOKEN}\n  ndl:\n    apiKey: ${NDL_API_KEY}\n';

  it('names every unset variable and where it is used', async () => {
    const dir = project({ 'dsync.config.yaml': ACCOUNTS });
    const file = join(dir, 'dsync.config.yaml');
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      [
        `${file}: accounts.tushare.token: the environment variable TUSHARE_TOKEN is not set (export it, or add it to .env next to the config file)`,
        `${file}: accounts.ndl.apiKey: the environment variable NDL_API_KEY is not set (export it, or add it to .env next to the config file)`,
      ].join('\n'),
    );
    expect(error.keyPath).toBe('accounts.tushare.token');
  });

  it('takes values from the .env next to the config file; the real environment wins', async () => {
    const root = project({
      '.env': 'TUSHARE_TOKEN=from-the-cwd-dotenv\n',
      'conf/dsync.config.yaml': ACCOUNTS,
      'conf/.env': 'TUSHARE_TOKEN=tok-dotenv\nNDL_API_KEY=ndl-dotenv\nDSYNC_CONFIG_TEST_ONLY=1\n',
    });
    const { config } = await loadConfig({
      cwd: root,
      path: 'conf/dsync.config.yaml',
      env: { NDL_API_KEY: 'ndl-real' },
    });
    expect(config.accounts).toEqual({
      tushare: { token: 'tok-dotenv' },
      ndl: { apiKey: 'ndl-real' },
    });
    // .env is read, never loaded into the process.
    expect(process.env.DSYNC_CONFIG_TEST_ONLY).toBe(undefined);
  });

  it('supports ${NAME:-fallback} and $${ for a literal ${', async () => {
    const dir = project({
      'dsync.config.yaml': [
        'storage: ${DB:-sqlite:fallback.db}',
        'log:',
        '  level: ${LEVEL:-warn}',
        'sources:',
        '  - $${NOT_A_VARIABLE}',
        '  - costs $$5 and $${A} and ${EMPTY:-x}',
        '',
      ].join('\n'),
    });
    const { config } = await loadConfig({ cwd: dir, env: { LEVEL: 'debug', EMPTY: '' } });
    expect(config).toEqual({
      ...DEFAULTS,
      storage: `sqlite:${join(dir, 'fallback.db')}`,
      log: { level: 'debug' },
      sources: ['${NOT_A_VARIABLE}', 'costs $$5 and ${A} and x'],
    });
  });

  it('refuses malformed references', async () => {
    const dir = project({ 'dsync.config.yaml': 'sources:\n  - ${1BAD}\n  - ${UNCLOSED\n' });
    const file = join(dir, 'dsync.config.yaml');
    const expected = (key: string) =>
      `${file}: ${key}: expected \${NAME} or \${NAME:-fallback}, NAME of letters, digits and _ (write $\${ for a literal \${)`;
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      [expected('sources[0]'), expected('sources[1]')].join('\n'),
    );
  });
});

describe('paths', () => {
  it('resolves relative sqlite, files and log paths against the config file, and leaves the others', async () => {
    const root = project({
      'conf/a.yaml': 'storage: sqlite:data/a.db\n',
      'conf/b.yaml': 'storage: { files: ./out }\nlog: { file: ../dsync.log }\n',
      'conf/c.yaml': 'storage: "sqlite::memory:"\n',
      'conf/d.yaml': 'storage: postgres://u@db.example:5432/market\n',
      'conf/e.yaml': 'storage: sqlite:/var/lib/dsync.db\n',
    });
    const load = async (name: string) =>
      (await loadConfig({ cwd: root, path: `conf/${name}`, env: {} })).config;
    expect((await load('a.yaml')).storage).toBe(`sqlite:${join(root, 'conf/data/a.db')}`);
    const b = await load('b.yaml');
    expect(b.storage).toEqual({ files: join(root, 'conf/out'), format: 'csv' });
    expect(b.log).toEqual({ level: 'info', file: join(root, 'dsync.log') });
    expect((await load('c.yaml')).storage).toBe('sqlite::memory:');
    expect((await load('d.yaml')).storage).toBe('postgres://u@db.example:5432/market');
    expect((await load('e.yaml')).storage).toBe('sqlite:/var/lib/dsync.db');
  });
});

describe('account limits', () => {
  it('uses the 5,000-point tier: 500 calls a minute per interface, no daily total', async () => {
    const dir = project({
      'dsync.config.yaml': 'accounts:\n  tushare:\n    token: abc\n    tier: 5000\n',
    });
    const { config } = await loadConfig({ cwd: dir, env: {} });
    const limits = accountLimits('tushare', config.accounts.tushare);
    expect(limits).toEqual({
      windows: [{ limit: 500, windowMs: 60_000 }],
      perInterface: true,
      maxConcurrent: 4,
    });
    expect('perDay' in limits).toBe(false);
  });

  it('applies overrides over the tier, and the documented defaults without one', () => {
    expect(
      accountLimits('tushare', { tier: 120, limits: { perDay: 5_000, maxConcurrent: 2 } }),
    ).toEqual({
      windows: [{ limit: 50, windowMs: 60_000 }],
      perDay: 5_000,
      perInterface: true,
      maxConcurrent: 2,
    });
    expect(accountLimits('tushare', { limits: { perMinute: 100 } })).toEqual({
      windows: [{ limit: 100, windowMs: 60_000 }],
      perDay: 100_000,
      perInterface: true,
      maxConcurrent: 4,
    });
    expect(accountLimits('tushare', undefined)).toEqual(DEFAULT_LIMITS.tushare);
    expect(accountLimits('ndl', {})).toEqual(DEFAULT_LIMITS.ndl);
    // An account capped as a whole too: every interface's calls count in it together.
    expect(accountLimits('tushare', { limits: { accountPerMinute: 300 } })).toEqual({
      ...DEFAULT_LIMITS.tushare,
      accountWindows: [{ limit: 300, windowMs: 60_000 }],
    });
  });

  it('uses premium NDL limits, per account, with overrides', () => {
    expect(accountLimits('ndl', { premium: true })).toEqual({
      windows: [{ limit: 5_000, windowMs: 600_000 }],
      perDay: 720_000,
      maxConcurrent: 1,
    });
    expect(
      accountLimits('ndl', { premium: true, limits: { per10Seconds: 100, maxConcurrent: 2 } }),
    ).toEqual({
      windows: [
        { limit: 100, windowMs: 10_000 },
        { limit: 5_000, windowMs: 600_000 },
      ],
      perDay: 720_000,
      maxConcurrent: 2,
    });
    expect(accountLimits('ndl', { limits: { per10Minutes: 1_000, perDay: 10_000 } })).toEqual({
      windows: [
        { limit: 300, windowMs: 10_000 },
        { limit: 1_000, windowMs: 600_000 },
      ],
      perDay: 10_000,
      maxConcurrent: 1,
    });
  });

  it('refuses an unknown tier, naming the known ones', async () => {
    const dir = project({
      'dsync.config.yaml': 'accounts:\n  tushare:\n    token: abc\n    tier: 3000\n',
    });
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      `${join(dir, 'dsync.config.yaml')}: accounts.tushare.tier: expected one of 120, 2000, 5000, 10000, 15000; got 3000`,
    );
    const account = { token: 'abc', tier: 3000 } as unknown as TushareAccount;
    let thrown: unknown;
    try {
      accountLimits('tushare', account);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      'accounts.tushare.tier: unknown Tushare tier 3000; known tiers: 120, 2000, 5000, 10000, 15000',
    );
    expect((thrown as ConfigError).keyPath).toBe('accounts.tushare.tier');
    expect((thrown as ConfigError).file).toBe(undefined);
  });
});

describe('distributed mode', () => {
  const DEPLOYMENT = [
    'storage: postgres://dsync:db-pw-123456@db:5432/dsync',
    'queue: amqp://dsync:mq-pw-123456@mq:5672/prod',
  ];

  it('reads the Redis, its prefix and the task queue, defaulting the queue to the broker of queue', async () => {
    const file = (lines: string[]) =>
      project({ 'dsync.config.yaml': [...DEPLOYMENT, ...lines, ''].join('\n') });
    const plain = await loadConfig({
      cwd: file(['distributed:', '  redis: redis://:redis-pw-123456@cache:6379/2']),
      env: {},
    });
    expect(plain.config.distributed).toEqual({ redis: 'redis://:redis-pw-123456@cache:6379/2' });
    expect(distributedSettings(plain.config)).toEqual({
      redis: 'redis://:redis-pw-123456@cache:6379/2',
      prefix: 'dsync',
      tasks: { url: 'amqp://dsync:mq-pw-123456@mq:5672/prod', queue: 'dsync.tasks' },
    });
    const named = await loadConfig({
      cwd: file([
        'distributed:',
        '  redis: rediss://cache:6380',
        '  prefix: prod-a',
        '  tasks: { queue: prod-a.tasks }',
      ]),
      env: {},
    });
    expect(distributedSettings(named.config)).toEqual({
      redis: 'rediss://cache:6380',
      prefix: 'prod-a',
      tasks: { url: 'amqp://dsync:mq-pw-123456@mq:5672/prod', queue: 'prod-a.tasks' },
    });
    const elsewhere = await loadConfig({
      cwd: file(['distributed: { redis: redis://cache, tasks: amqps://other:5671 }']),
      env: {},
    });
    expect(distributedSettings(elsewhere.config)?.tasks).toEqual({
      url: 'amqps://other:5671',
      queue: 'dsync.tasks',
    });
    expect(distributedSettings((await loadConfig({ cwd: file([]), env: {} })).config)).toBe(
      undefined,
    );
  });

  it('refuses SQLite, files and the in-process queue, naming the key and why', async () => {
    const sqlite = project({
      'dsync.config.yaml': 'distributed: { redis: redis://cache }\n',
    });
    expect((await failure(loadConfig({ cwd: sqlite, env: {} }))).message).toBe(
      [
        `${join(sqlite, 'dsync.config.yaml')}: storage: distributed mode (the distributed key) needs a postgres://, ` +
          'postgresql://, mysql:// or mariadb:// URL: the ledger is shared by processes on several machines; got "sqlite:dsync.db"',
        `${join(sqlite, 'dsync.config.yaml')}: queue: distributed mode (the distributed key) needs an amqp:// or amqps:// URL: ` +
          'fetch workers send rows through RabbitMQ to dsync worker, which stores them; got "memory"',
      ].join('\n'),
    );
    const files = project({
      'dsync.config.yaml':
        'storage: { files: out }\nqueue: amqp://mq\ndistributed: { redis: redis://cache }\n',
    });
    const error = await failure(loadConfig({ cwd: files, env: {} }));
    expect(error.keyPath).toBe('storage');
    expect(error.message).toContain(
      'the ledger is shared by processes on several machines; got files',
    );
  });

  it('never shows the Redis password, in a bad URL or a bad key', async () => {
    const dir = project({
      'dsync.config.yaml': [
        ...DEPLOYMENT,
        'distributed:',
        '  redis: http://:redis-pw-123456@cache:6379',
        '  tasks: { url: "amqp://u:tasks-pw-123456@mq", queues: x }',
        '',
      ].join('\n'),
    });
    const message = (await failure(loadConfig({ cwd: dir, env: {} }))).message;
    expect(message).toBe(
      [
        `${join(dir, 'dsync.config.yaml')}: distributed.redis: expected a redis:// or rediss:// URL; got "http://:***@cache:6379/"`,
        `${join(dir, 'dsync.config.yaml')}: distributed.tasks.queues: unknown key`,
      ].join('\n'),
    );
    for (const secret of ['redis-pw-123456', 'tasks-pw-123456', 'db-pw-123456', 'mq-pw-123456'])
      expect(message).not.toContain(secret);
  });
});

describe('the starter file', () => {
  it('points editors at the schema, and loads into the sources daily bars need', async () => {
    const text = starterConfig();
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./node_modules/@dsync/cli/dsync.schema.json',
    );
    const dir = project({ 'dsync.config.yaml': text });
    const { config } = await loadConfig({ cwd: dir, env: { TUSHARE_TOKEN: 'tok-starter' } });
    expect(config).toEqual({
      storage: `sqlite:${join(dir, 'dsync.db')}`,
      queue: 'memory',
      log: { level: 'info' },
      accounts: { tushare: { token: 'tok-starter', tier: 2000 } },
      sources: [
        'tushare.trade_cal',
        'tushare.stock_basic',
        { extends: 'tushare.daily', sync: { since: '2015-01-01' } },
        'tushare.adj_factor',
      ],
    });
    const registry = DataSourceRegistry.load(config.sources as SourceEntry[]);
    expect(registry.list().map((s) => s.id)).toEqual([
      'tushare.trade_cal',
      'tushare.stock_basic',
      'tushare.daily',
      'tushare.adj_factor',
    ]);
    expect(registry.get('tushare.daily').sync.since).toBe('2015-01-01');
  });

  it('asks for TUSHARE_TOKEN when it is not set', async () => {
    const dir = project({ 'dsync.config.yaml': starterConfig() });
    expect((await failure(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      `${join(dir, 'dsync.config.yaml')}: accounts.tushare.token: the environment variable TUSHARE_TOKEN is not set (export it, or add it to .env next to the config file)`,
    );
  });
});

describe('the JSON schema', () => {
  it('is committed as dsync.schema.json, current', () => {
    const text = readFileSync(new URL('../dsync.schema.json', import.meta.url), 'utf8');
    const committed: unknown = JSON.parse(text);
    const current = configJsonSchema();
    // Says how to fix it before the diff says what changed.
    expect(
      isDeepStrictEqual(committed, current)
        ? 'current'
        : `dsync.schema.json is stale; regenerate it from packages/cli with: ${REGENERATE_SCHEMA_COMMAND}`,
    ).toBe('current');
    expect(committed).toEqual(current);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('describes the input: defaults, strict objects, the tiers', () => {
    const schema = configJsonSchema() as {
      $schema: string;
      title: string;
      additionalProperties: boolean;
      properties: {
        storage: { default: string };
        accounts: { properties: { tushare: { properties: { tier: { enum: number[] } } } } };
      };
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('dsync configuration');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.storage.default).toBe('sqlite:dsync.db');
    expect(schema.properties.accounts.properties.tushare.properties.tier.enum).toEqual([
      120, 2000, 5000, 10000, 15000,
    ]);
  });
});

describe('secrets', () => {
  const TOKEN = 'tok-5ecret-value-0123';
  const PG_PASSWORD = 'pg-Pa55word';
  const AMQP_PASSWORD = 'rabbit-Pa55';

  function expectNoSecrets(error: ConfigError): void {
    const texts = [error.message, String(error.stack), JSON.stringify(error.issues)];
    for (const text of texts) {
      for (const secret of [TOKEN, PG_PASSWORD, AMQP_PASSWORD]) expect(text).not.toContain(secret);
    }
  }

  it('never echoes a token or a URL password in validation errors', async () => {
    const dir = project({
      'dsync.config.yaml': [
        `storage: postgress://dsync:${PG_PASSWORD}@db.example/market`,
        `queue: amqps//guest:${AMQP_PASSWORD}@broker`,
        'log:',
        // A token pasted into the wrong key, from the environment.
        '  level: ${TUSHARE_TOKEN}',
        'accounts:',
        '  tushare:',
        '    token: ${TUSHARE_TOKEN}',
        '    baseUrl: ${TUSHARE_TOKEN}',
        '',
      ].join('\n'),
    });
    const file = join(dir, 'dsync.config.yaml');
    const error = await failure(loadConfig({ cwd: dir, env: { TUSHARE_TOKEN: TOKEN } }));
    expect(error.message).toBe(
      [
        `${file}: storage: expected sqlite:<file>, sqlite::memory:, or a postgres://, postgresql://, mysql:// or mariadb:// URL; got "postgress://dsync:***@db.example/market"`,
        `${file}: queue: expected memory or an amqp:// or amqps:// URL; got "<unparseable URL>"`,
        `${file}: log.level: expected one of fatal, error, warn, info, debug, trace, silent; got "***"`,
        `${file}: accounts.tushare.baseUrl: expected an http:// or https:// URL; got "***"`,
      ].join('\n'),
    );
    expectNoSecrets(error);
  });

  it('never echoes a token that is not a string', async () => {
    const dir = project({ 'dsync.config.yaml': 'accounts:\n  tushare:\n    token: 501234567\n' });
    const error = await failure(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(
      `${join(dir, 'dsync.config.yaml')}: accounts.tushare.token: expected a string; got a number`,
    );
    expect(error.message).not.toContain('501234567');
  });

  it('never quotes the file in syntax errors', async () => {
    const yaml = project({
      'dsync.config.yaml': `accounts:\n  tushare:\n    token: ${TOKEN}: oops\n`,
    });
    const yamlError = await failure(loadConfig({ cwd: yaml, env: {} }));
    expect(yamlError.message).toBe(
      `${join(yaml, 'dsync.config.yaml')}: line 3, column 12: Nested mappings are not allowed in compact mappings`,
    );
    expectNoSecrets(yamlError);

    const json = project({
      'dsync.config.json': `{"storage": "postgres://u:${PG_PASSWORD}@h/db", "accounts": {"tushare": {"token": ${TOKEN}}}}`,
    });
    const jsonError = await failure(loadConfig({ cwd: json, env: {} }));
    expect(jsonError.message).toBe(
      `${join(json, 'dsync.config.json')}: line 1, column 81: Unexpected token 'o'`,
    );
    expectNoSecrets(jsonError);
  });
});
