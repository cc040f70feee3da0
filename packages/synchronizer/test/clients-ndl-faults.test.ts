import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAULT_KINDS, type FaultKind, type NdlSandbox } from '@dsync/sandbox';
import { CancelledError } from '../src/clients/cancelled-error.js';
import { createNdlClient } from '../src/clients/ndl-client.js';
import {
  clientOf,
  gold,
  JANUARY,
  KEY,
  leakTexts,
  ndlFetches,
  SECRETS,
  sep,
  sourceOf,
  startNdl,
  withSandbox,
} from './client-helpers.js';

/** Every result and error of this file, for the leak check at the end. */
const { seen, fetchOnce } = ndlFetches();

let sandbox: NdlSandbox;
beforeAll(async () => {
  sandbox = await startNdl();
});
afterAll(() => sandbox.close());

const FAULT_OUTCOMES: Record<FaultKind, { kind: string; status?: number; detail: RegExp }> = {
  'html-5xx': { kind: 'transient', status: 502, detail: /^HTTP 502: an HTML page/ },
  'non-json-403': { kind: 'unknown', status: 403, detail: /^HTTP 403: a body that is not JSON/ },
  reset: { kind: 'transient', detail: /ECONNRESET/ },
  hang: { kind: 'timeout', detail: /^no complete answer within 300 ms$/ },
  'malformed-json': { kind: 'transient', status: 200, detail: /^HTTP 200: malformed JSON$/ },
  'truncated-json': { kind: 'transient', status: 200, detail: /^HTTP 200: truncated JSON$/ },
  'leading-whitespace': { kind: 'rows', status: 200, detail: /^$/ },
  busy: { kind: 'transient', status: 503, detail: /^QEXx01 / },
};

describe('NDL client: faults', () => {
  it('covers every fault kind the sandbox plays', () => {
    expect(Object.keys(FAULT_OUTCOMES).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it.each(FAULT_KINDS)('%s', async (kind) => {
    await withSandbox({ faults: { rate: 1, kinds: [kind] } }, async (faulty) => {
      const result = await fetchOnce(clientOf(faulty, KEY, { timeoutMs: 300 }), gold, JANUARY);
      const expected = FAULT_OUTCOMES[kind];
      expect(result.outcome.kind).toBe(expected.kind);
      expect(result.status).toBe(expected.status);
      expect(result.detail ?? '').toMatch(expected.detail);
    });
  });

  it('rejects with E_CANCELLED when the signal aborts', async () => {
    await withSandbox({ faults: { rate: 1, kinds: ['hang'] } }, async (hanging) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutting down')), 50);
      const error = await fetchOnce(clientOf(hanging), gold, JANUARY, {
        signal: controller.signal,
      }).catch((e: unknown) => e);
      seen.push(error);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).code).toBe('E_CANCELLED');
    });
  });
});

interface Recorded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

describe('NDL client: the key', () => {
  it('travels in the x-api-token header, never in the URL', async () => {
    const requests: Recorded[] = [];
    const server = createServer((request, response) => {
      requests.push({ url: request.url ?? '', headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ dataset_data: { column_names: ['Date'], data: [] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createNdlClient({ baseUrl: `http://127.0.0.1:${port}/api/v3/`, apiKey: KEY });
      await fetchOnce(client, gold, JANUARY);
      await fetchOnce(client, sep, { 'date.gte': '2024-01-02', ticker: 'AAB,AAC' });
      const anonymous = createNdlClient({ baseUrl: `http://127.0.0.1:${port}/api/v3`, apiKey: '' });
      await fetchOnce(anonymous, gold, {});
      expect(requests.map((r) => r.url)).toEqual([
        '/api/v3/datasets/LBMA/GOLD/data.json?order=asc&start_date=2024-01-01&end_date=2024-01-31',
        '/api/v3/datatables/SHARADAR/SEP.json?date.gte=2024-01-02&ticker=AAB%2CAAC&qopts.columns=' +
          encodeURIComponent(sep.fields.map((field) => field.from ?? field.name).join(',')),
        '/api/v3/datasets/LBMA/GOLD/data.json',
      ]);
      expect(requests.map((r) => r.headers['x-api-token'])).toEqual([KEY, KEY, undefined]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is recognised by the sandbox from the header alone', async () => {
    sandbox.resetCounters();
    await fetchOnce(clientOf(sandbox), gold, JANUARY);
    expect(sandbox.counters().byAccount.main?.served).toBe(1);
  });

  it('refuses an api_key parameter and another provider’s source, as programming errors', async () => {
    const client = clientOf(sandbox);
    await expect(fetchOnce(client, gold, { api_key: KEY })).rejects.toThrow(TypeError);
    await expect(fetchOnce(client, sourceOf('tushare.daily'), {})).rejects.toThrow(TypeError);
    await expect(fetchOnce(client, gold, {}, { api: 'datasets/LBMA' })).rejects.toThrow(TypeError);
    const error = await fetchOnce(client, gold, { api_key: KEY }).catch((e: unknown) => e);
    seen.push(error);
  });
});

describe('NDL client: the key never leaks', () => {
  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(6);
    const texts = leakTexts(seen);
    for (const secret of SECRETS) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });
});
