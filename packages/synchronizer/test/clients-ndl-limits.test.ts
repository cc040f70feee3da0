import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  builtInCatalog,
  createRequestArgs,
  type DataSource,
  type RequestParams,
} from '@dsync/datasource';
import { startNdlSandbox, type NdlSandbox, type NdlSandboxOptions } from '@dsync/sandbox';
import { createNdlClient } from '../src/clients/ndl-client.js';
import type { FetchResult, ProviderClient } from '../src/clients/provider-client.js';

const MARKET = { seed: 't', symbols: 10, start: '2024-01-01', end: '2024-03-31' };
const KEY = 'ndl-key-7c2e9a41-SECRET-b5d3f8e6';
const PREMIUM = 'ndl-premium-SECRET-a9b8c7d6';
const SECRETS = [KEY, PREMIUM];
const KEYS = [
  { key: KEY, label: 'main' },
  { key: PREMIUM, label: 'premium', tier: 'premium' as const },
];
// 05:00 in New York (EST): the quota day ends at 05:00 UTC the next day.
const NOW = new Date('2024-03-06T10:00:00.000Z');

function sourceOf(id: string): DataSource {
  const source = builtInCatalog().get(id);
  if (source === undefined) throw new Error(`no ${id} in the catalog`);
  return source;
}
const gold = sourceOf('ndl.LBMA.GOLD');
const sep = sourceOf('ndl.SHARADAR.SEP');
const JANUARY = { order: 'asc', start_date: '2024-01-01', end_date: '2024-01-31' };

/** Every result and error of this file, for the leak check at the end. */
const seen: unknown[] = [];
async function fetchOnce(
  client: ProviderClient,
  source: DataSource,
  params: RequestParams,
  options: { api?: string; signal?: AbortSignal } = {},
): Promise<FetchResult> {
  const args = createRequestArgs(source.id, options.api ?? source.api, params);
  const result = await client.fetch(
    args,
    source,
    options.signal === undefined ? {} : { signal: options.signal },
  );
  seen.push(result);
  return result;
}

const clientOf = (sandbox: NdlSandbox, apiKey = KEY, extra: { timeoutMs?: number } = {}) =>
  createNdlClient({ baseUrl: `${sandbox.url}/api/v3`, apiKey, now: () => NOW, ...extra });

/** Starts a sandbox for one test and closes it after. */
async function withSandbox(
  options: NdlSandboxOptions,
  body: (sandbox: NdlSandbox) => Promise<void>,
): Promise<void> {
  const sandbox = await startNdlSandbox({ market: MARKET, apiKeys: KEYS, ...options });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

let sandbox: NdlSandbox;
beforeAll(async () => {
  sandbox = await startNdlSandbox({ market: MARKET, apiKeys: KEYS });
});
afterAll(() => sandbox.close());

/** Error answers and limits, the latter against sandboxes with small limits of their own. */

describe('NDL client: errors', () => {
  it('answers bad-argument for an unknown code (QECx02) and bad parameters (QESx03)', async () => {
    const unknown = await fetchOnce(clientOf(sandbox), gold, {}, { api: 'datasets/NOPE/GOLD' });
    expect(unknown.outcome.kind).toBe('bad-argument');
    expect(unknown.status).toBe(404);
    expect(unknown.detail).toMatch(/^QECx02 You have submitted an incorrect Quandl code/);
    const badFilter = await fetchOnce(clientOf(sandbox), sep, { 'open.gt': '1' });
    expect(badFilter.outcome.kind).toBe('bad-argument');
    expect(badFilter.status).toBe(422);
    expect(badFilter.detail).toMatch(/^QESx03 /);
  });

  it('answers auth for a key the server does not know (QEAx01)', async () => {
    const result = await fetchOnce(clientOf(sandbox, 'ndl-wrong-SECRET'), gold, JANUARY);
    expect(result.outcome.kind).toBe('auth');
    expect(result.status).toBe(400);
    expect(result.detail).toBe(
      'QEAx01 We could not recognize your API key. Please check your API key and try again.',
    );
  });

  it('answers too-frequent for the 10-minute limits (QELx04, QELx05)', async () => {
    await withSandbox({ limits: { per10min: 1, premiumPer10min: 1 } }, async (limited) => {
      for (const [key, code] of [
        [KEY, 'QELx04'],
        [PREMIUM, 'QELx05'],
      ] as const) {
        const client = clientOf(limited, key);
        expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
        const refused = await fetchOnce(client, gold, JANUARY);
        expect(refused.outcome).toEqual({ kind: 'too-frequent', retryAfterMs: 600_000 });
        expect(refused.status).toBe(429);
        expect(refused.detail).toMatch(
          new RegExp(`^${code} You have exceeded your 10-minute call limit`),
        );
      }
    });
  });

  it('passes again once a compressed short window has passed', async () => {
    await withSandbox({ limits: { per10s: 1, shortWindowMs: 300 } }, async (limited) => {
      const client = clientOf(limited);
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('too-frequent');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
    });
  });

  it('answers daily-limit with the reset at midnight in New York (QELx01–03)', async () => {
    const limits = { perDay: 1, premiumPerDay: 1, anonymousPerDay: 1 };
    await withSandbox({ limits }, async (limited) => {
      for (const [key, code] of [
        [KEY, 'QELx02'],
        [PREMIUM, 'QELx03'],
        ['', 'QELx01'],
      ] as const) {
        const client = clientOf(limited, key);
        expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
        const refused = await fetchOnce(client, gold, JANUARY);
        expect(refused.outcome).toEqual({
          kind: 'daily-limit',
          resetsAt: '2024-03-07T05:00:00.000Z',
        });
        expect(refused.detail).toMatch(new RegExp(`^${code} `));
      }
      expect(Object.keys(limited.counters().byAccount).sort()).toEqual([
        'anonymous',
        'main',
        'premium',
      ]);
    });
  });
});

describe('NDL client: the key never leaks', () => {
  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(8);
    const texts = seen.map((item) =>
      item instanceof Error
        ? `${item.message}\n${item.stack ?? ''}\n${JSON.stringify(item)}`
        : JSON.stringify(item),
    );
    for (const secret of SECRETS) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });
});
