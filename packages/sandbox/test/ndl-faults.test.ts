import { describe, expect, it } from '@jest/globals';
import type { FaultKind } from '../src/http/faults.js';
import { ndlDatasetRows, type NdlSandbox } from '../src/ndl/ndl-sandbox.js';
import { fetchText, startNdl } from './ndl-helpers.js';

const GOLD = 'datasets/LBMA/GOLD/data';

/** A sandbox that answers every call with this fault. */
const withFault = (kind: FaultKind) => startNdl({ faults: { rate: 1, kinds: [kind] } });

// A whole URL, not `get()`: some tests fetch it raw, to see the connection fail.
const url = (sb: NdlSandbox, path = `${GOLD}.json`, query = '&limit=2') =>
  `${sb.url}/api/v3/${path}?api_key=${sb.apiKey}${query}`;

const empty = { served: 0, throttled: 0, rejected: 0, faulted: 0 };

describe('NDL faults and counters', () => {
  it('answers html-5xx with a 502 HTML page', async () => {
    const sb = await withFault('html-5xx');
    const reply = await fetchText(url(sb));
    expect([reply.status, reply.type]).toEqual([502, 'text/html']);
    expect(reply.text).toContain('502 Bad Gateway');
  });

  it('answers non-json-403 with a body that is not JSON', async () => {
    const sb = await withFault('non-json-403');
    const reply = await fetchText(url(sb));
    expect(reply.status).toBe(403);
    expect(() => JSON.parse(reply.text) as unknown).toThrow(SyntaxError);
  });

  it('resets the connection', async () => {
    const sb = await withFault('reset');
    await expect(fetch(url(sb))).rejects.toThrow();
  });

  it('hangs until the client gives up, and still closes', async () => {
    const sb = await withFault('hang');
    await expect(fetch(url(sb), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sb.counters().total).toEqual({ ...empty, faulted: 1 });
  });

  it('breaks or truncates the JSON of a 200', async () => {
    for (const kind of ['malformed-json', 'truncated-json'] as const) {
      const sb = await withFault(kind);
      const reply = await fetchText(url(sb));
      expect([kind, reply.status]).toEqual([kind, 200]);
      expect(() => JSON.parse(reply.text) as unknown).toThrow(SyntaxError);
    }
  });

  it('puts whitespace before a valid answer', async () => {
    const sb = await withFault('leading-whitespace');
    const reply = await fetchText(url(sb));
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^\s+\{/);
    const body = JSON.parse(reply.text.trim()) as { dataset_data: { data: unknown } };
    expect(body.dataset_data.data).toEqual(ndlDatasetRows(sb.market, 'LBMA', 'GOLD', { limit: 2 }));
  });

  it('answers busy with 503 QEXx01, as JSON or CSV', async () => {
    const sb = await withFault('busy');
    const message = 'The service is temporarily unavailable. Please try again later.';
    const reply = await fetchText(url(sb));
    expect([reply.status, JSON.parse(reply.text)]).toEqual([
      503,
      { quandl_error: { code: 'QEXx01', message } },
    ]);
    const csv = await fetchText(url(sb, `${GOLD}.csv`));
    expect([csv.status, csv.text]).toEqual([503, `code,message\nQEXx01,${message}\n`]);
  });

  it('faults only calls that passed the key and the limits', async () => {
    const sb = await startNdl({
      faults: { rate: 1, kinds: ['busy'] },
      limits: { per10s: 1, shortWindowMs: 60_000 },
    });
    expect((await fetchText(url(sb).replace(sb.apiKey, 'wrong'))).status).toBe(400);
    expect((await fetchText(url(sb))).status).toBe(503);
    expect((await fetchText(url(sb))).status).toBe(429);
    expect(sb.counters().total).toEqual({ served: 0, throttled: 1, rejected: 1, faulted: 1 });
  });

  it('draws the same faults from the same seed', async () => {
    const run = async () => {
      const sb = await startNdl({ faults: { rate: 0.5, kinds: ['busy', 'html-5xx'] } });
      const seen: number[] = [];
      for (let i = 0; i < 12; i++) seen.push((await fetchText(url(sb))).status);
      return seen;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.some((status) => status === 200)).toBe(true);
    expect(first.some((status) => status !== 200)).toBe(true);
  });

  it('counts outcomes by account label and by interface, never by key', async () => {
    const sb = await startNdl({
      apiKeys: [{ key: 'secret-key', label: 'team' }],
      limits: { per10s: 4, shortWindowMs: 60_000 },
    });
    await fetchText(url(sb));
    await fetchText(url(sb, 'datatables/SHARADAR/SEP.json', '&ticker=BAA&qopts.per_page=1'));
    await fetchText(url(sb, 'datasets/LBMA/SILVER/data.json'));
    await fetchText(url(sb, `${GOLD}.json`, '&order=up'));
    await fetchText(url(sb));
    await fetchText(`${sb.url}/api/v3/${GOLD}.json`);
    await fetchText(`${sb.url}/api/v3/${GOLD}.json?api_key=nope`);
    await fetchText(url(sb, 'nowhere'));
    expect(sb.counters()).toEqual({
      total: { served: 3, throttled: 1, rejected: 4, faulted: 0 },
      byAccount: {
        team: { served: 2, throttled: 1, rejected: 3, faulted: 0 },
        anonymous: { ...empty, served: 1 },
        unrecognized: { ...empty, rejected: 1 },
      },
      byApi: {
        'datasets/LBMA/GOLD': { served: 2, throttled: 1, rejected: 2, faulted: 0 },
        'datatables/SHARADAR/SEP': { ...empty, served: 1 },
        'datasets/LBMA/SILVER': { ...empty, rejected: 1 },
        unknown: { ...empty, rejected: 1 },
      },
    });
    expect(JSON.stringify(sb.counters())).not.toContain('secret-key');
    sb.resetCounters();
    expect(sb.counters()).toEqual({ total: empty, byAccount: {}, byApi: {} });
  });
});
