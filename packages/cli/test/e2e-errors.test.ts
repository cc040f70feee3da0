import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Market, startTushareSandbox, type TushareSandbox } from '@dsync/sandbox';
import { dsync, useProjects } from './e2e-helpers.js';

const TOKEN = 'cli-errors-token-0123456789';

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One paragraph, no stack trace. */
function expectClean(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('dsync on bad input (the built binary)', () => {
  let sandbox: TushareSandbox;
  const project = useProjects();

  beforeAll(async () => {
    sandbox = await startTushareSandbox({
      market: new Market({ seed: 'cli', symbols: 4, start: '2024-01-01', end: '2024-01-31' }),
      accounts: [{ token: TOKEN, tier: { perMinute: 10_000, apis: 'all' } }],
    });
  });
  afterAll(() => sandbox.close());

  it('exits 2 on an unknown command, an unknown flag and a bad date, naming each', async () => {
    const dir = project({});
    const command = await dsync(dir, ['snyc']);
    expect([command.code, command.stderr]).toEqual([
      2,
      expect.stringContaining("unknown command 'snyc'"),
    ]);
    const flag = await dsync(dir, ['status', '--frobnicate']);
    expect([flag.code, flag.stderr]).toEqual([
      2,
      expect.stringContaining("unknown option '--frobnicate'"),
    ]);
    const date = await dsync(dir, ['sync', 'tushare.daily', '--since', '2024-13-01']);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--since takes a date as YYYY-MM-DD, got "2024-13-01"');
  });

  it('exits 2 on an unknown source id, suggesting the near ones', async () => {
    const dir = project({});
    const result = await dsync(dir, ['sync', 'daily'], { TUSHARE_TOKEN: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown data source "daily"');
    expect(result.stderr).toContain('"tushare.daily"');
    expectClean(result.stderr);
  });

  it('exits 2 on a broken config file, naming the file, the line or the key', async () => {
    const syntax = project({ 'dsync.config.yaml': 'storage: sqlite:x.db\naccounts: [\n' });
    const bad = await dsync(syntax, ['status']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/dsync\.config\.yaml.*line 3/);
    expectClean(bad.stderr);
    const key = project({ 'dsync.config.yaml': 'storage: sqlite:x.db\nacounts: {}\n' });
    const unknown = await dsync(key, ['status']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('acounts');
    expectClean(unknown.stderr);
  });

  it('exits 2 on an NDL baseUrl with /api/v3 doubled, naming the key, the value and the form', async () => {
    const dir = project({
      'dsync.config.yaml':
        'accounts:\n  ndl:\n    apiKey: ndl-key-0123456789abcdef\n    baseUrl: http://127.0.0.1:9/api/v3/api/v3\n',
    });
    const result = await dsync(dir, ['status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${join(dir, 'dsync.config.yaml')}: accounts.ndl.baseUrl: NDL baseUrl "http://127.0.0.1:9/api/v3/api/v3" has /api/v3 doubled; ` +
        'it must end in /api/v3 once, e.g. https://data.nasdaq.com/api/v3',
    );
    expectClean(result.stderr);
  });

  it('exits 2 without a token, naming the variable to set', async () => {
    const dir = project({ 'dsync.config.yaml': 'sources: [tushare.daily]\n' });
    const result = await dsync(dir, ['sync']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('export TUSHARE_TOKEN=');
    expectClean(result.stderr);
  });

  it('exits 2 on a token too short to be real, saying where it came from, without hanging', async () => {
    const dir = project({ 'dsync.config.yaml': 'sources: [tushare.daily]\n' });
    const result = await dsync(dir, ['plan'], { TUSHARE_TOKEN: 'short-token' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `accounts.tushare.token in ${join(dir, 'dsync.config.yaml')} (or $TUSHARE_TOKEN): The token or API key is 11 characters long`,
    );
    expect(result.stderr).not.toContain('short-token');
    expectClean(result.stderr);
  });

  it('exits 1 when the database is out of reach, and never prints its password', async () => {
    const dir = project({
      'dsync.config.yaml': 'storage: postgres://dsync:s3cret-pass@127.0.0.1:1/nowhere\n',
    });
    const result = await dsync(dir, ['status']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('127.0.0.1:1');
    expect(result.stdout + result.stderr).not.toContain('s3cret-pass');
    expectClean(result.stderr);
  });

  it('exits 1 when the broker is out of reach, and never prints its password', async () => {
    const dir = project({ 'dsync.config.yaml': 'queue: amqp://guest:br0ker-pass@127.0.0.1:1\n' });
    const result = await dsync(dir, ['worker', '--connect-timeout', '500']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('br0ker-pass');
    expectClean(result.stderr);
  });

  it('exits 1 when the provider refuses the token, and never prints it', async () => {
    const wrong = 'wrong-token-0123456789abcdef';
    const dir = project({
      'dsync.config.yaml': `accounts:\n  tushare:\n    token: ${wrong}\n    baseUrl: ${sandbox.url}\nsources: [tushare.trade_cal]\n`,
    });
    const result = await dsync(dir, ['sync', '--since', '2024-01-01', '--until', '2024-01-31']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('exits 1 when the API does not answer through every retry, naming its address, not the token', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}`;
    const dir = project({
      'dsync.config.yaml': `accounts:\n  tushare:\n    token: ${TOKEN}\n    baseUrl: ${baseUrl}\nsources: [tushare.trade_cal]\n`,
    });
    const result = await dsync(dir, ['sync', '--since', '2024-01-01', '--until', '2024-01-31']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `Failed: the tushare API at ${baseUrl}/ gave no usable answer (the connection was refused`,
    );
    expect(result.stdout).not.toContain('Stopped at a limit');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    // The request stays queued: a run once the API answers makes it.
    const pending = await dsync(dir, ['tasks', '--status', 'pending', '--json']);
    expect(JSON.parse(pending.stdout)).toEqual([
      expect.objectContaining({ sourceId: 'tushare.trade_cal', status: 'pending', attempts: 5 }),
    ]);
  });
});
