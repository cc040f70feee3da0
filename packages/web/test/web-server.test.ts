import { afterEach, describe, expect, it } from '@jest/globals';
import { createWebServer, type WebServer } from '../src/index.js';

const TOKEN = 'a-long-enough-access-token';
let server: WebServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createWebServer', () => {
  it('binds loopback by default and answers the health check over real HTTP', async () => {
    server = createWebServer();
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('refuses to listen beyond loopback without an access token', () => {
    expect(() => createWebServer({ host: '0.0.0.0' })).toThrow(
      expect.objectContaining({
        code: 'E_UNSAFE_BIND',
        message: expect.stringContaining('Refusing to listen on 0.0.0.0'),
      }),
    );
    expect(() => createWebServer({ host: '0.0.0.0', accessToken: 'short' })).toThrow(
      /at least 16 characters/,
    );
  });

  it('with a token, answers 401 without it or with a wrong one, and never echoes it', async () => {
    server = createWebServer({ accessToken: TOKEN });
    const url = await server.listen();
    const none = await fetch(`${url}/api/health`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${url}/api/health`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const body = await wrong.text();
    expect(body).not.toContain(TOKEN);
    const right = await fetch(`${url}/api/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(200);
  });
});
