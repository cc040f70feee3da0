import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createWebServer, isLoopback } from '../src/index.js';
import { openEvents } from './sse.js';
import { webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
const TOKEN = 'a-long-enough-access-token';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let ui: string;
beforeAll(() => {
  ui = mkdtempSync(join(tmpdir(), 'dsync-web-ui-'));
  writeFileSync(
    join(ui, 'index.html'),
    '<!doctype html><title>dsync</title><script src="/app.js"></script>',
  );
  writeFileSync(join(ui, 'app.js'), 'console.log("dsync");');
});
afterAll(() => rmSync(ui, { recursive: true, force: true }));

let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PATHS = ['/', '/app.js', '/api/health', '/api/sources', '/api/run', '/metrics'];

function expectSecurityHeaders(answer: Response): void {
  expect(answer.headers.get('content-security-policy')).toBe(
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  );
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('access with a token', () => {
  it('answers 401 with a Basic challenge on every path without the token, and never echoes it', async () => {
    h = await webHarness({ accessToken: TOKEN, uiRoot: ui });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: basic('dsync', 'wrong') },
      // The token as the user name is not the password.
      { authorization: basic(TOKEN, '') },
      { authorization: `Token ${TOKEN}` },
    ];
    for (const path of [...PATHS, '/api/events', '/api/nope'])
      for (const headers of attempts) {
        const answer = await fetch(`${h.url}${path}`, { headers });
        expect([path, answer.status]).toEqual([path, 401]);
        expect(answer.headers.get('www-authenticate')).toBe('Basic realm="dsync", charset="UTF-8"');
        expectSecurityHeaders(answer);
        const body = await answer.text();
        expect(JSON.parse(body)).toEqual({
          error: 'E_UNAUTHORIZED',
          message: 'A valid access token is required.',
        });
        expect(body).not.toContain(TOKEN);
      }
    const post = await fetch(`${h.url}/api/sync`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect(h.controller.running).toBe(false);
  });

  it('lets in the token as Bearer or as the Basic password with any user name', async () => {
    h = await webHarness({ accessToken: TOKEN, uiRoot: ui });
    for (const authorization of [`Bearer ${TOKEN}`, basic('anyone', TOKEN), basic('', TOKEN)])
      for (const path of PATHS) {
        const answer = await fetch(`${h.url}${path}`, { headers: { authorization } });
        expect([path, answer.status]).toEqual([path, 200]);
        expectSecurityHeaders(answer);
        expect(await answer.text()).not.toContain(TOKEN);
      }
    const page = await fetch(`${h.url}/`, { headers: { authorization: basic('u', TOKEN) } });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>dsync</title>');
    const stream = await openEvents(h.url, { authorization: basic('u', TOKEN) });
    try {
      expect(stream.response.status).toBe(200);
      expectSecurityHeaders(stream.response);
      expect(await stream.next()).toEqual({ type: 'run', run: null });
    } finally {
      stream.close();
    }
  });

  it('takes a Basic password with colons whole: only the first colon ends the user name', async () => {
    const token = 'colon:in:the:token:0123456789';
    h = await webHarness({ accessToken: token });
    const answer = await fetch(`${h.url}/api/health`, {
      headers: { authorization: basic('x', token) },
    });
    expect(answer.status).toBe(200);
  });
});

describe('access without a token, on loopback', () => {
  it('is open, with the security headers on every answer (404s included)', async () => {
    h = await webHarness({ uiRoot: ui });
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of PATHS) {
      const answer = await fetch(`${h.url}${path}`);
      expect([path, answer.status]).toEqual([path, 200]);
      expectSecurityHeaders(answer);
    }
    const missing = await fetch(`${h.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'E_NOT_FOUND',
      message: 'No such route: GET /api/nope.',
    });
    expectSecurityHeaders(missing);
  });

  it('answers 503 at / when the UI is not built, and the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dsync-web-no-ui-'));
    mkdirSync(join(empty, 'assets'));
    try {
      h = await webHarness({ uiRoot: empty });
      const page = await fetch(`${h.url}/`);
      expect(page.status).toBe(503);
      expect(await page.json()).toEqual({
        error: 'E_NO_UI',
        message: expect.stringContaining('The web UI is not built'),
      });
      expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the bind rule', () => {
  it('refuses to listen beyond loopback without a token of 16 characters', async () => {
    h = await webHarness();
    const deps = { controller: h.controller, registry: h.registry, storage: h.storage };
    expect(() => createWebServer({ ...deps, host: '0.0.0.0' })).toThrow(
      expect.objectContaining({
        code: 'E_UNSAFE_BIND',
        message: expect.stringContaining('Refusing to listen on 0.0.0.0'),
      }),
    );
    expect(() => createWebServer({ ...deps, host: '0.0.0.0', accessToken: 'short' })).toThrow(
      /at least 16 characters/,
    );
    const allowed = createWebServer({ ...deps, host: '0.0.0.0', accessToken: TOKEN });
    await allowed.close();
    expect([isLoopback('127.0.0.1'), isLoopback('::1'), isLoopback('localhost')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([isLoopback('0.0.0.0'), isLoopback('192.168.1.2'), isLoopback('::')]).toEqual([
      false,
      false,
      false,
    ]);
  });
});
