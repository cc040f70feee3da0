import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('createWebServer', () => {
  it('binds loopback by default and answers the health check over real HTTP', async () => {
    h = await webHarness();
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${h.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
