import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { SyncController } from '@dsync/synchronizer';
import { createWebServer } from '../src/index.js';
import { isRunEnd, openEvents } from './sse.js';
import { webHarness, type WebHarness } from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ACCESS = 'the-web-access-token-0123';
const PASSWORD = 's3cret-pass';
const DATABASE = `postgres://dsync:${PASSWORD}@db.internal:5432/dsync`;

/** A message as a careless library might build it: the provider token, a database URL, the access token. */
const leaky = (token: string) =>
  `request failed for token ${token} while writing to ${DATABASE} (auth ${ACCESS})`;

function expectClean(body: string, token: string): void {
  expect(body).not.toContain(token);
  expect(body).not.toContain(PASSWORD);
  expect(body).not.toContain(ACCESS);
  expect(body).toContain('***');
}

describe('secrets never leave in an answer', () => {
  it('scrubs ledger rows: a run reason and a task error holding the tokens and a database password', async () => {
    h = await webHarness({ accessToken: ACCESS });
    const { checkpoints } = h.storage;
    const message = leaky(h.sandbox.token);
    await checkpoints.startRun({
      id: 'run-leaky',
      sourceIds: ['tushare.daily'],
      startedAt: new Date().toISOString(),
    });
    await checkpoints.finishRun('run-leaky', 'failed', { code: 'E_UNKNOWN', message });
    await checkpoints.addTasks([
      {
        runId: 'run-leaky',
        sourceId: 'tushare.daily',
        key: 'daily|trade_date=20240102',
        args: {
          sourceId: 'tushare.daily',
          api: 'daily',
          key: 'daily|trade_date=20240102',
          params: { trade_date: '20240102' },
        },
        status: 'pending',
        attempts: 0,
        rows: 0,
        updatedAt: new Date().toISOString(),
      },
    ]);
    await checkpoints.updateTask('tushare.daily', 'daily|trade_date=20240102', {
      status: 'failed',
      attempts: 1,
      lastError: { code: 'E_AUTH', message },
    });
    for (const path of ['/api/runs', '/api/tasks', '/api/tasks?status=failed', '/api/sources']) {
      const answer = await h.request(path);
      expect([path, answer.status]).toEqual([path, 200]);
      const body = await answer.text();
      if (path !== '/api/sources') expectClean(body, h.sandbox.token);
      else expect(body).not.toContain(h.sandbox.token);
    }
    const [run] = (await (await h.request('/api/runs')).json()) as {
      reason: { message: string };
    }[];
    expect(run?.reason.message).toBe(
      'request failed for token *** while writing to postgres://dsync:***@db.internal:5432/dsync (auth ***)',
    );
  });

  it('scrubs an error a storage threw, and a run reason on the event stream', async () => {
    h = await webHarness();
    const token = h.sandbox.token;
    const { storage } = h;
    // A controller over a storage whose count fails with the database URL and the token in it.
    const controller = new SyncController({
      registry: h.registry,
      storage: {
        sink: storage,
        checkpoints: storage.checkpoints,
        argContext: (sourceOf) => storage.argContext(sourceOf),
        readRows: (source, page) => storage.readRows(source, page),
        countRows: () =>
          Promise.reject(new Error(`connect ECONNREFUSED ${DATABASE}?token=${token}`)),
      },
      clients: {},
    });
    const failing = createWebServer({
      controller,
      registry: h.registry,
      secrets: [token, DATABASE],
    });
    try {
      const url = await failing.listen();
      const answer = await fetch(`${url}/api/sources/tushare.daily/rows`);
      expect(answer.status).toBe(500);
      const body = await answer.text();
      expect(JSON.parse(body)).toEqual({
        error: 'E_INTERNAL',
        message: 'connect ECONNREFUSED postgres://dsync:***@db.internal:5432/dsync?token=***',
      });

      // A run that ends with a leaky reason, as the controller reports it.
      const stream = await openEvents(url);
      try {
        await stream.next();
        const { events } = controller;
        events.emit({ type: 'run-started', runId: 'run-x', sourceIds: ['tushare.daily'] });
        events.emit({
          type: 'source-started',
          runId: 'run-x',
          sourceId: 'tushare.daily',
          resumed: 0,
        });
        const reason = { code: 'E_AUTH', message: leaky(token) };
        events.emit({
          type: 'source-finished',
          runId: 'run-x',
          sourceId: 'tushare.daily',
          status: 'failed',
          rows: 0,
          requests: 1,
          reason,
        });
        events.emit({ type: 'run-finished', runId: 'run-x', status: 'failed', reason });
        const streamed = await stream.collect(isRunEnd);
        const text = JSON.stringify(streamed);
        expect(text).not.toContain(token);
        expect(text).not.toContain(PASSWORD);
        expect(text).toContain('postgres://dsync:***@db.internal');
        expect(await (await fetch(`${url}/api/run`)).text()).not.toContain(token);
      } finally {
        stream.close();
      }
    } finally {
      await failing.close();
    }
  });
});
