import { systemClock, type DataSource, type RequestArgs } from '@dsync/datasource';
import { toFetchResult } from './classified.js';
import { remoteNames } from './columns.js';
import { NDL_BASE_URL, ndlBaseUrl } from './base-url.js';
import { exchange, transportOf } from './http-exchange.js';
import { digestOf } from './settings-digest.js';
import { classifyNdlAnswer } from './ndl-classify.js';
import {
  assertProvider,
  DEFAULT_TIMEOUT_MS,
  type ClientOptions,
  type ProviderClient,
} from './provider-client.js';
import { redactResult } from './redact.js';

export interface NdlClientOptions extends ClientOptions {
  /** The API key, sent in the `x-api-token` header; empty for anonymous calls. */
  readonly apiKey: string;
}

/** Parameters that would put a key in the URL, and URLs end up in logs. */
const KEY_PARAMS: ReadonlySet<string> = new Set(['api_key', 'authtoken']);

const API = /^(datasets|datatables)\/([^/]+)\/([^/]+)$/;

/** The URL path and query of one request: `/datasets/{db}/{code}/data.json` or `/datatables/{vendor}/{table}.json`. */
export function ndlRequestOf(
  args: RequestArgs,
  source: DataSource,
): { readonly path: string; readonly searchParams: URLSearchParams } {
  const match = API.exec(args.api);
  const [kind, first, second] = [match?.[1], match?.[2], match?.[3]];
  if (kind === undefined || first === undefined || second === undefined) {
    throw new TypeError(`not an NDL api: ${JSON.stringify(args.api)} (source ${source.id})`);
  }
  const searchParams = new URLSearchParams();
  for (const [name, value] of Object.entries(args.params)) {
    if (KEY_PARAMS.has(name)) {
      throw new TypeError(
        `source ${source.id}: ${name} must not be a parameter; give apiKey to the client`,
      );
    }
    searchParams.append(name, String(value));
  }
  const codes = `${encodeURIComponent(first)}/${encodeURIComponent(second)}`;
  if (kind === 'datasets') return { path: `/datasets/${codes}/data.json`, searchParams };
  // Ask for the definition's columns only: less to send, and a renamed column fails loudly.
  if (!searchParams.has('qopts.columns')) {
    searchParams.set('qopts.columns', remoteNames(source.fields).join(','));
  }
  return { path: `/datatables/${codes}.json`, searchParams };
}

/**
 * A Nasdaq Data Link client: time series (`datasets/{db}/{code}`, the `dataset_data` view)
 * and tables (`datatables/{vendor}/{table}`, cursor in `nextCursor`), by GET with the
 * params as the query string and the key in the `x-api-token` header, never in the URL.
 */
export function createNdlClient(options: NdlClientOptions): ProviderClient {
  const base = ndlBaseUrl(options.baseUrl ?? NDL_BASE_URL);
  const secrets = [options.apiKey];
  const transport = transportOf(options, secrets);
  const clock = options.clock ?? systemClock;
  const now = () => new Date(clock());
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.apiKey !== '') headers['x-api-token'] = options.apiKey;
  return {
    settings: digestOf('ndl', base, options.apiKey),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    async fetch(args, source, fetchOptions = {}) {
      assertProvider(source, 'ndl');
      const { path, searchParams } = ndlRequestOf(args, source);
      const exchanged = await exchange(
        { method: 'GET', url: `${base}${path}`, headers, searchParams },
        transport,
        fetchOptions.signal,
      );
      if (exchanged.kind === 'failed') {
        return redactResult({ outcome: exchanged.outcome, detail: exchanged.detail }, secrets);
      }
      const { answer } = exchanged;
      return redactResult(
        toFetchResult(classifyNdlAnswer(answer, now()), source, answer.status),
        secrets,
      );
    },
  };
}
