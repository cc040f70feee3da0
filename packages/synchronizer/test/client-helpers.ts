import {
  builtInCatalog,
  createRequestArgs,
  type DataSource,
  type RequestParams,
} from '@dsync/datasource';
import { startNdlSandbox, type NdlSandbox, type NdlSandboxOptions } from '@dsync/sandbox';
import type { HttpAnswer } from '../src/clients/http-exchange.js';
import { createNdlClient } from '../src/clients/ndl-client.js';
import type { FetchResult, ProviderClient } from '../src/clients/provider-client.js';

/** Setup shared by the provider-client tests (`clients-*.test.ts`). */

export const MARKET = { seed: 't', symbols: 10, start: '2024-01-01', end: '2024-03-31' };
// 05:00 in New York (EST): the NDL quota day ends at 05:00 UTC the next day.
// 18:00 in Shanghai: the Tushare quota day ends at 16:00 UTC.
export const NOW = new Date('2024-03-06T10:00:00.000Z');

export function sourceOf(id: string): DataSource {
  const source = builtInCatalog().get(id);
  if (source === undefined) throw new Error(`no ${id} in the catalog`);
  return source;
}

/** An HTTP answer as the classifiers see it. */
export const http = (
  body: string,
  status = 200,
  headers: HttpAnswer['headers'] = {},
): HttpAnswer => ({
  status,
  headers,
  body,
});

/** The texts a secret must not appear in: every result and error, stack included. */
export const leakTexts = (seen: readonly unknown[]): string[] =>
  seen.map((item) =>
    item instanceof Error
      ? `${item.message}\n${item.stack ?? ''}\n${JSON.stringify(item)}`
      : JSON.stringify(item),
  );

// ---- NDL ----

export const KEY = 'ndl-key-7c2e9a41-SECRET-b5d3f8e6';
export const PREMIUM = 'ndl-premium-SECRET-a9b8c7d6';
export const SECRETS = [KEY, PREMIUM];
export const KEYS = [
  { key: KEY, label: 'main' },
  { key: PREMIUM, label: 'premium', tier: 'premium' as const },
];
export const gold = sourceOf('ndl.LBMA.GOLD');
export const sep = sourceOf('ndl.SHARADAR.SEP');
export const JANUARY = { order: 'asc', start_date: '2024-01-01', end_date: '2024-01-31' };

/** An NDL fetch that records every result in `seen`, for a file's leak check at the end. */
export function ndlFetches(): {
  seen: unknown[];
  fetchOnce: (
    client: ProviderClient,
    source: DataSource,
    params: RequestParams,
    options?: { api?: string; signal?: AbortSignal },
  ) => Promise<FetchResult>;
} {
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
  return { seen, fetchOnce };
}

export const clientOf = (sandbox: NdlSandbox, apiKey = KEY, extra: { timeoutMs?: number } = {}) =>
  createNdlClient({
    baseUrl: `${sandbox.url}/api/v3`,
    apiKey,
    clock: () => NOW.getTime(),
    ...extra,
  });

/** An NDL sandbox over MARKET that knows KEYS. */
export const startNdl = (options: NdlSandboxOptions = {}): Promise<NdlSandbox> =>
  startNdlSandbox({ market: MARKET, apiKeys: KEYS, ...options });

/** Starts an NDL sandbox for one test and closes it after. */
export async function withSandbox(
  options: NdlSandboxOptions,
  body: (sandbox: NdlSandbox) => Promise<void>,
): Promise<void> {
  const sandbox = await startNdl(options);
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

// ---- Tushare ----

// Distinctive, so a leak anywhere shows in a string search.
export const TOKEN = 'tk-9f3a8c1e5b7d4a2c-SECRET-0e1f2a3b4c5d6e7f';

export const tushareEnvelope = (code: number, msg: string, data: unknown = null): string =>
  JSON.stringify({ request_id: 'd7c6cf8c', code, msg, data, detail: '' });

export const tushareArgs = (api: string, params: RequestParams) =>
  createRequestArgs('tushare.daily', api, params);

/** A Tushare fetch that records every result in `seen`, for a file's leak check at the end. */
export function tushareFetches(daily: DataSource): {
  seen: unknown[];
  fetchOnce: (
    client: ProviderClient,
    api: string,
    params: RequestParams,
    source?: DataSource,
    signal?: AbortSignal,
  ) => Promise<FetchResult>;
} {
  const seen: unknown[] = [];
  async function fetchOnce(
    client: ProviderClient,
    api: string,
    params: RequestParams,
    source: DataSource = daily,
    signal?: AbortSignal,
  ): Promise<FetchResult> {
    const result = await client.fetch(
      tushareArgs(api, params),
      source,
      signal === undefined ? {} : { signal },
    );
    seen.push(result);
    return result;
  }
  return { seen, fetchOnce };
}
