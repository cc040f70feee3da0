import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { DsyncError } from '@dsync/datasource';
import { FAULT_KINDS, startTushareSandbox, type FaultKind } from '@dsync/sandbox';
import { CancelledError } from '../src/clients/cancelled-error.js';
import { createTushareClient } from '../src/clients/tushare-client.js';
import {
  leakTexts,
  MARKET,
  sourceOf,
  TOKEN,
  tushareArgs as args,
  tushareFetches,
} from './client-helpers.js';

/** Faults, cancellation, misuse and secrets, each against a sandbox or server of its own. */

const daily = sourceOf('tushare.daily');

/** Every result and error of this file, for the leak check at the end. */
const { seen, fetchOnce } = tushareFetches(daily);

const FAULT_OUTCOMES: Record<FaultKind, { kind: string; status?: number; detail: RegExp }> = {
  'html-5xx': { kind: 'transient', status: 502, detail: /^HTTP 502: an HTML page/ },
  'non-json-403': { kind: 'transient', status: 403, detail: /^HTTP 403: a body that is not JSON/ },
  reset: { kind: 'transient', detail: /ECONNRESET/ },
  hang: { kind: 'timeout', detail: /^no complete answer within 300 ms$/ },
  'malformed-json': { kind: 'transient', status: 200, detail: /^HTTP 200: malformed JSON$/ },
  'truncated-json': { kind: 'transient', status: 200, detail: /^HTTP 200: truncated JSON$/ },
  'leading-whitespace': { kind: 'rows', status: 200, detail: /^$/ },
  busy: { kind: 'transient', status: 200, detail: /^9999 服务器拥挤，请稍后再试$/ },
};

describe('Tushare client: faults', () => {
  it('covers every fault kind the sandbox plays', () => {
    expect(Object.keys(FAULT_OUTCOMES).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it.each(FAULT_KINDS)('%s', async (kind) => {
    const faulty = await startTushareSandbox({
      market: MARKET,
      accounts: [{ token: TOKEN }],
      faults: { rate: 1, kinds: [kind] },
    });
    try {
      const client = createTushareClient({ baseUrl: faulty.url, token: TOKEN, timeoutMs: 300 });
      const result = await fetchOnce(client, 'daily', { trade_date: '20240105' });
      const expected = FAULT_OUTCOMES[kind];
      expect(result.outcome.kind).toBe(expected.kind);
      expect(result.status).toBe(expected.status);
      expect(result.detail ?? '').toMatch(expected.detail);
    } finally {
      await faulty.close();
    }
  });

  it('answers transient when nothing listens', async () => {
    const closed = await startTushareSandbox({ market: MARKET });
    const url = closed.url;
    await closed.close();
    const result = await fetchOnce(
      createTushareClient({ baseUrl: url, token: TOKEN }),
      'daily',
      {},
    );
    expect(result.outcome.kind).toBe('transient');
    expect(result.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('Tushare client: cancellation and misuse', () => {
  it('rejects with E_CANCELLED when the signal aborts mid-request, and before it', async () => {
    const hanging = await startTushareSandbox({
      market: MARKET,
      accounts: [{ token: TOKEN }],
      faults: { rate: 1, kinds: ['hang'] },
    });
    try {
      const client = createTushareClient({ baseUrl: hanging.url, token: TOKEN, timeoutMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const error = await fetchOnce(client, 'daily', {}, daily, controller.signal).catch(
        (e: unknown) => e,
      );
      seen.push(error);
      expect(error).toBeInstanceOf(CancelledError);
      expect(error).toBeInstanceOf(DsyncError);
      expect((error as CancelledError).code).toBe('E_CANCELLED');
      expect(Date.now() - started).toBeLessThan(5_000);

      hanging.resetCounters();
      const before = await fetchOnce(client, 'daily', {}, daily, AbortSignal.abort()).catch(
        (e: unknown) => e,
      );
      seen.push(before);
      expect((before as CancelledError).code).toBe('E_CANCELLED');
      expect(hanging.counters().total.faulted).toBe(0);
    } finally {
      await hanging.close();
    }
  });

  it('throws for another provider’s source and for a bad base URL', async () => {
    const ndl = sourceOf('ndl.LBMA.GOLD');
    await expect(
      createTushareClient({ token: TOKEN }).fetch(args('daily', {}), ndl),
    ).rejects.toThrow(TypeError);
    expect(() => createTushareClient({ baseUrl: 'not a url', token: TOKEN })).toThrow(TypeError);
    expect(() => createTushareClient({ token: TOKEN, timeoutMs: 0 })).toThrow(RangeError);
  });
});

/** A server that answers with whatever `reply` makes of the request body. */
async function echoServer(
  reply: (body: string, response: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => reply(Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Tushare client: the token never leaks', () => {
  it('masks a token a server echoes back, in text and in a Tushare message', async () => {
    const cases: ((body: string, response: ServerResponse) => void)[] = [
      (body, response) => response.writeHead(500, { 'content-type': 'text/plain' }).end(body),
      (body, response) => response.writeHead(200).end(`token=${TOKEN} ${body}`),
      (body, response) =>
        response.writeHead(200).end(JSON.stringify({ code: 40101, msg: `token ${body} 不对` })),
      (body, response) =>
        response.writeHead(200).end(JSON.stringify({ code: 77777, msg: `未知 ${TOKEN}` })),
    ];
    for (const reply of cases) {
      const server = await echoServer(reply);
      try {
        const client = createTushareClient({ baseUrl: server.url, token: TOKEN });
        const result = await fetchOnce(client, 'daily', { trade_date: '20240105' });
        expect(result.outcome.kind).not.toBe('rows');
        expect(result.detail).toContain('***');
        expect(JSON.stringify(result)).not.toContain(TOKEN);
      } finally {
        await server.close();
      }
    }
  });

  it('drops answered columns the source does not name, and says which', async () => {
    const server = await echoServer((_body, response) =>
      response.writeHead(200).end(
        JSON.stringify({
          code: 0,
          msg: '',
          data: { fields: ['ts_code', 'extra', 'trade_date'], items: [['A', 1, '20240105']] },
        }),
      ),
    );
    try {
      const client = createTushareClient({ baseUrl: server.url, token: TOKEN });
      const result = await fetchOnce(client, 'daily', {});
      expect(result.columns).toEqual(['ts_code', 'trade_date']);
      expect(result.rows).toEqual([['A', '20240105']]);
      expect(result.detail).toBe('dropped columns no field names: extra');
    } finally {
      await server.close();
    }
  });

  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(12);
    const texts = leakTexts(seen);
    for (const text of texts) expect(text).not.toContain(TOKEN);
  });
});
