import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { EXIT_CODES, run } from '../src/index.js';

jest.setTimeout(30_000);
const TOKEN = 'serve-test-access-token-0123';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `dsync serve …` in-process; `interrupt()` is Ctrl-C. */
function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'dsync-serve-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, 'dsync.config.yaml'), 'sources:\n  - tushare.daily\n');
  let stdout = '';
  let stderr = '';
  const handlers = new Set<() => void>();
  const exited = run(['node', 'dsync', 'serve', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  });
  return {
    exited,
    output: () => ({ stdout, stderr }),
    /** The URL it printed, once it listens. */
    async url(): Promise<string> {
      while (!/^http:\/\/\S+\n/.test(stdout)) {
        if (handlers.size === 0 && stderr !== '') throw new Error(stderr);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return stdout.trim();
    },
    interrupt: () => [...handlers].forEach((h) => h()),
  };
}

describe('dsync serve', () => {
  it('serves the API with the token from DSYNC_WEB_TOKEN until Ctrl-C, then exits 0', async () => {
    const server = serve(['--port', '0'], { DSYNC_WEB_TOKEN: TOKEN });
    const url = await server.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output().stderr).toContain(`dsync web interface at ${url}`);
    expect((await fetch(`${url}/api/health`)).status).toBe(401);
    const sources = await fetch(`${url}/api/sources`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(sources.status).toBe(200);
    expect(((await sources.json()) as { id: string }[]).map((s) => s.id)).toEqual([
      'tushare.daily',
      'tushare.trade_cal',
    ]);
    server.interrupt();
    expect(await server.exited).toBe(EXIT_CODES.ok);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    expect(JSON.stringify(server.output())).not.toContain(TOKEN);
  });

  it('refuses to bind beyond loopback without a long enough token: exit 2', async () => {
    const open = serve(['--host', '0.0.0.0', '--port', '0']);
    expect(await open.exited).toBe(EXIT_CODES.usage);
    expect(open.output().stderr).toContain(
      'dsync: Refusing to listen on 0.0.0.0 without an access token of at least 16 characters',
    );
    const short = serve(['--host', '0.0.0.0', '--token', 'short']);
    expect(await short.exited).toBe(EXIT_CODES.usage);
    expect(short.output().stderr).not.toContain('short');
  });

  it('exits 2 on a port that is not one', async () => {
    const bad = serve(['--port', '70000']);
    expect(await bad.exited).toBe(EXIT_CODES.usage);
    expect(bad.output().stderr).toContain('--port takes a port number (0 to 65535), got "70000"');
  });
});
