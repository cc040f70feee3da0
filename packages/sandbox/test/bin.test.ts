import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built bin (the test target builds the package first). */
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  );
  return { child, exit, firstLine, stderr: () => stderr };
}

describe('dsync-sandbox', () => {
  it('prints one JSON line with working URLs and credentials, serves, and exits 0 on SIGTERM', async () => {
    const sandbox = run([
      '--symbols',
      '5',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-31',
      '--seed',
      'bin',
    ]);
    const info = JSON.parse(await sandbox.firstLine) as {
      tushare: { url: string; baseUrl: string; token: string };
      ndl: { url: string; baseUrl: string; apiKey: string };
      market: { seed: string; symbols: number; start: string; end: string };
    };
    // baseUrl: the exact value for accounts.<provider>.baseUrl; url: the server's root.
    const root = /^http:\/\/127\.0\.0\.1:\d+$/;
    expect(info.tushare).toEqual({
      url: expect.stringMatching(root),
      baseUrl: info.tushare.url,
      token: 'sandbox-tushare-token',
    });
    expect(info.ndl).toEqual({
      url: expect.stringMatching(root),
      baseUrl: `${info.ndl.url}/api/v3`,
      apiKey: 'sandbox-ndl-key',
    });
    expect(info.market).toEqual({
      seed: 'bin',
      symbols: 5,
      start: '2024-01-01',
      end: '2024-01-31',
    });
    const answer = (await (
      await fetch(info.tushare.baseUrl, {
        method: 'POST',
        body: JSON.stringify({
          api_name: 'stock_basic',
          token: info.tushare.token,
          params: {},
          fields: 'ts_code',
        }),
      })
    ).json()) as { code: number; data: { items: string[][] } };
    expect(answer.code).toBe(0);
    expect(answer.data.items.length).toBeGreaterThan(0);
    // As the NDL client builds its requests: the base URL, then the API's own path.
    const gold = await fetch(`${info.ndl.baseUrl}/datasets/LBMA/GOLD/data.json?limit=1`, {
      headers: { 'x-api-token': info.ndl.apiKey },
    });
    expect(gold.status).toBe(200);
    expect(
      ((await gold.json()) as { dataset_data: { data: unknown[] } }).dataset_data.data,
    ).toHaveLength(1);
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exit).toBe(0);
  });

  it('applies --per-minute and --window-ms to the Tushare replica', async () => {
    const sandbox = run([
      '--symbols',
      '3',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-31',
      '--per-minute',
      '2',
      '--window-ms',
      '60000',
    ]);
    const { tushare } = JSON.parse(await sandbox.firstLine) as {
      tushare: { url: string; token: string };
    };
    const call = async () =>
      (
        (await (
          await fetch(tushare.url, {
            method: 'POST',
            body: JSON.stringify({ api_name: 'trade_cal', token: tushare.token, params: {} }),
          })
        ).json()) as { code: number }
      ).code;
    expect([await call(), await call(), await call()]).toEqual([0, 0, 40203]);
    sandbox.child.kill('SIGINT');
    expect(await sandbox.exit).toBe(0);
  });

  it('exits 2 naming a bad flag', async () => {
    const bad = run(['--fault-rate', '2']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('--fault-rate takes a number from 0 to 1, got "2"');
    const unknownKind = run(['--fault-kinds', 'reset,explode']);
    expect(await unknownKind.exit).toBe(2);
    expect(unknownKind.stderr()).toContain('unknown fault kind explode');
  });
});
