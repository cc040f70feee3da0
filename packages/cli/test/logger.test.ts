import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger, redactLine } from '../src/output/logger.js';

const TOKEN = 'tk_0123456789abcdef0123456789abcdef';
const DB_PASSWORD = 'p@ss/w0rd';
const DSN = `postgres://dsync:${encodeURIComponent(DB_PASSWORD)}@db.example:5432/dsync`;
const SHOWN_DSN = 'postgres://dsync:***@db.example:5432/dsync';

type Line = Record<string, unknown>;

function parse(text: string): Line[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** Logs what a run could leak: the token and the DSN in messages, fields and errors. */
function logLeaks(logger: ReturnType<typeof createLogger>) {
  logger.info(`calling daily with token ${TOKEN}`);
  logger.info(
    {
      token: TOKEN,
      source: { id: 'tushare.daily', apiKey: TOKEN, note: `sent ${TOKEN}` },
      headers: { authorization: `Bearer ${TOKEN}` },
      dsn: DSN,
    },
    `connecting to ${DSN}`,
  );
  logger.error(
    { err: new Error(`password authentication failed: "${DB_PASSWORD}" for ${DSN}`) },
    'storage failed',
  );
  logger.debug(`a debug line with ${TOKEN}`);
}

function expectNoSecret(text: string) {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(DB_PASSWORD);
  expect(text).not.toContain(encodeURIComponent(DB_PASSWORD));
}

describe('createLogger to a stream', () => {
  it('writes JSON lines at or above its level, with no secret anywhere', () => {
    let out = '';
    const logger = createLogger({
      level: 'info',
      secrets: [TOKEN, DSN],
      stream: { write: (s: string) => (out += s) },
    });
    logLeaks(logger);

    expectNoSecret(out);
    const lines = parse(out);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'calling daily with token ***'],
      ['info', `connecting to ${SHOWN_DSN}`],
      ['error', 'storage failed'],
    ]);
    expect(lines[1]).toMatchObject({
      token: '***',
      source: { id: 'tushare.daily', apiKey: '***', note: 'sent ***' },
      headers: { authorization: '***' },
      dsn: SHOWN_DSN,
    });
    expect(lines[2]?.err).toMatchObject({
      type: 'Error',
      message: `password authentication failed: "***" for ${SHOWN_DSN}`,
    });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('hides secrets learned after it was created, and URL credentials it was never told', () => {
    let out = '';
    const secrets: string[] = [];
    const logger = createLogger({ secrets, stream: { write: (s: string) => (out += s) } });
    secrets.push(TOKEN);
    logger.warn(
      { url: 'https://data.nasdaq.com/api/v3/datatables/X?api_key=k3y-123&x=1' },
      `GET ${TOKEN} at amqp://guest:guest-pw@broker:5672 failed`,
    );
    const [line] = parse(out);
    expect(line?.msg).toBe('GET *** at amqp://guest:***@broker:5672 failed');
    expect(line?.url).toBe('https://data.nasdaq.com/api/v3/datatables/X?api_key=***&x=1');
    expect(out).not.toContain('guest-pw');
    expect(out).not.toContain('k3y-123');
  });

  it('filters by level, and refuses an unknown one', () => {
    let out = '';
    const logger = createLogger({ level: 'warn', stream: { write: (s: string) => (out += s) } });
    logger.info('no');
    logger.warn('yes');
    logger.error('also');
    expect(parse(out).map((l) => l.msg)).toEqual(['yes', 'also']);
    expect(() => createLogger({ level: 'loud' })).toThrow(
      'Unknown log level "loud": use one of fatal, error, warn, info, debug, trace, silent.',
    );
  });
});

describe('redactLine', () => {
  it('keeps the JSON whole: a URL password never swallows the next field', () => {
    const line = JSON.stringify({ msg: 'to postgres://u:se"cret@h/db', mail: 'a@b.c' });
    const redacted = redactLine(line, []);
    expect(JSON.parse(redacted)).toEqual({ msg: 'to postgres://u:***@h/db', mail: 'a@b.c' });
  });

  it('hides a secret in its JSON-escaped and URL-encoded forms too', () => {
    const secret = 'a"b c/d';
    const line = JSON.stringify({ msg: `raw ${secret}`, q: `?q=${encodeURIComponent(secret)}` });
    expect(JSON.parse(redactLine(line, [secret]))).toEqual({ msg: 'raw ***', q: '?q=***' });
  });

  it('redacts a line that is not JSON as text, keeping its newline', () => {
    expect(redactLine(`token ${TOKEN} at ${DSN}?api_key=k3y-123\n`, [TOKEN])).toBe(
      `token *** at ${SHOWN_DSN}?api_key=***\n`,
    );
  });
});

describe('createLogger to a file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates its directory, appends JSON lines, and flushes them on close', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dsync-logger-'));
    const file = join(dir, 'logs', 'nested', 'dsync.log');
    const logger = createLogger({ level: 'info', file, secrets: [TOKEN, DSN] });
    logLeaks(logger);
    // A child writes to the same file, and closing it closes that file.
    logger.child({ sourceId: 'tushare.daily' }).info('child line');
    await closeLogger(logger.child({}));
    await closeLogger(logger); // a second close is harmless

    const text = readFileSync(file, 'utf8');
    expectNoSecret(text);
    expect(parse(text).map((l) => [l.level, l.msg, l.sourceId])).toEqual([
      ['info', 'calling daily with token ***', undefined],
      ['info', `connecting to ${SHOWN_DSN}`, undefined],
      ['error', 'storage failed', undefined],
      ['info', 'child line', 'tushare.daily'],
    ]);

    const again = createLogger({ file });
    again.warn('appended');
    await closeLogger(again);
    expect(parse(readFileSync(file, 'utf8')).map((l) => l.msg)).toHaveLength(5);
  });

  it('fails at creation when the file cannot be opened', () => {
    dir = mkdtempSync(join(tmpdir(), 'dsync-logger-'));
    expect(() => createLogger({ file: dir })).toThrow(/EISDIR/);
  });
});
