import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counters, type RequestOutcome } from '../http/counters.js';
import { FaultPlan } from '../http/faults.js';
import { answerWithFault, listen, readBody, send } from '../http/server.js';
import { marketOf, type Sandbox, type SandboxOptions } from '../options.js';
import { errorAnswer, type NdlAnswer, type NdlFormat } from './ndl-answer.js';
import { answerDataset, type DatasetView } from './ndl-dataset-route.js';
import { badParams, NDL_ERRORS, NdlError } from './ndl-errors.js';
import { NdlLimiter, type NdlLimits, type NdlTier } from './ndl-limits.js';
import { mergeParams, paramsFromBody, paramsFromSearch, type NdlParams } from './ndl-params.js';
import { answerTable } from './ndl-table-route.js';

export { ndlDatasetRows } from './ndl-dataset-query.js';
export { ndlTableRows } from './ndl-table-route.js';
export { NdlError } from './ndl-errors.js';
export type { NdlLimits, NdlTier } from './ndl-limits.js';
export type { NdlParamsInput } from './ndl-params.js';
export type { NdlCell, NdlRow } from './ndl-series.js';

/**
 * The Nasdaq Data Link (Quandl) replica: `/api/v3/datasets/{db}/{code}/data.{json,csv}`
 * (plus `{code}.json` and `metadata.json`) and `/api/v3/datatables/{vendor}/{table}.{json,csv}`
 * (GET or POST). Each request goes: route (QECx01) → key (QEAx01) → limits (QEL…) → one
 * fault draw → the answer (QECx02, QESx03 or data).
 */

export interface NdlApiKey {
  readonly key: string;
  /** What counters report the key as (the key itself never is). */
  readonly label: string;
  /** @default "free" */
  readonly tier?: NdlTier;
}

export interface NdlSandboxOptions extends SandboxOptions {
  /** The keys it knows. @default one free key, "sandbox-ndl-key", labelled "default" */
  readonly apiKeys?: readonly NdlApiKey[];
  /** @default NDL's documented limits */
  readonly limits?: NdlLimits;
}

export interface NdlSandbox extends Sandbox {
  /** The first key: what a client is configured with. */
  readonly apiKey: string;
}

const DEFAULT_KEYS: readonly NdlApiKey[] = [
  { key: 'sandbox-ndl-key', label: 'default', tier: 'free' },
];

type Route =
  | {
      readonly kind: 'dataset';
      readonly view: DatasetView;
      readonly codes: [string, string];
      readonly format: NdlFormat;
    }
  | { readonly kind: 'table'; readonly codes: [string, string]; readonly format: NdlFormat };

const DATASET = /^\/api\/v3\/datasets\/([^/]+)\/([^/]+?)(\/data|\/metadata)?\.(json|csv)$/;
const TABLE = /^\/api\/v3\/datatables\/([^/]+)\/([^/]+?)\.(json|csv)$/;

function routeOf(method: string, path: string): Route | undefined {
  try {
    const table = TABLE.exec(path);
    if (table && (method === 'GET' || method === 'POST')) {
      const codes: [string, string] = [
        decodeURIComponent(table[1] as string),
        decodeURIComponent(table[2] as string),
      ];
      return { kind: 'table', codes, format: table[3] as NdlFormat };
    }
    const dataset = DATASET.exec(path);
    if (!dataset || method !== 'GET') return undefined;
    const view: DatasetView =
      dataset[3] === '/data' ? 'data' : dataset[3] === '/metadata' ? 'metadata' : 'dataset';
    const format = dataset[4] as NdlFormat;
    if (view === 'metadata' && format === 'csv') return undefined;
    const codes: [string, string] = [
      decodeURIComponent(dataset[1] as string),
      decodeURIComponent(dataset[2] as string),
    ];
    return { kind: 'dataset', view, codes, format };
  } catch {
    return undefined; // a malformed %-escape
  }
}

type Caller =
  | { readonly kind: 'anonymous'; readonly account: 'anonymous' }
  | { readonly kind: 'key'; readonly account: string; readonly key: string; readonly tier: NdlTier }
  | { readonly kind: 'unrecognized'; readonly account: 'unrecognized' };

export async function startNdlSandbox(options: NdlSandboxOptions = {}): Promise<NdlSandbox> {
  const market = marketOf(options.market);
  const keys = options.apiKeys ?? DEFAULT_KEYS;
  const first = keys[0];
  if (first === undefined) throw new RangeError('apiKeys: give at least one key');
  const byKey = new Map(keys.map((k) => [k.key, k]));
  if (byKey.size !== keys.length) throw new RangeError('apiKeys: a key is listed twice');
  const limiter = new NdlLimiter(options.limits);
  const faults = new FaultPlan(options.faults ?? {}, market.options.seed);
  const counters = new Counters();
  const now = options.now ?? Date.now;

  // `api_key` (query string, then POST body) wins over the client's `x-api-token` header.
  const identify = (params: NdlParams, header: string | string[] | undefined): Caller => {
    const given = params.get('api_key')?.[0] ?? (Array.isArray(header) ? header[0] : header);
    if (given === undefined || given === '') return { kind: 'anonymous', account: 'anonymous' };
    const known = byKey.get(given);
    if (known === undefined) return { kind: 'unrecognized', account: 'unrecognized' };
    return { kind: 'key', account: known.label, key: known.key, tier: known.tier ?? 'free' };
  };

  const answer = (route: Route, params: NdlParams, at: number): NdlAnswer => {
    try {
      const [a, b] = route.codes;
      return route.kind === 'table'
        ? answerTable(market, a, b, route.format, params, at)
        : answerDataset(market, a, b, route.view, route.format, params, at);
    } catch (error) {
      if (error instanceof NdlError) return errorAnswer(error.spec, route.format);
      throw error;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = request.method ?? 'GET';
    const route = routeOf(method, url.pathname);
    const format: NdlFormat = route?.format ?? (url.pathname.endsWith('.csv') ? 'csv' : 'json');
    let params: NdlParams = paramsFromSearch(url.searchParams);
    let bodyError: NdlError | undefined;
    if (route?.kind === 'table' && method === 'POST') {
      try {
        params = mergeParams(params, paramsFromBody(await readBody(request)));
      } catch (error) {
        bodyError = error instanceof NdlError ? error : badParams('unreadable body');
      }
    }
    const caller = identify(params, request.headers['x-api-token']);
    const api =
      route === undefined
        ? 'unknown'
        : `${route.kind === 'table' ? 'datatables' : 'datasets'}/${route.codes.join('/')}`;
    const reply = (outcome: RequestOutcome, { status, contentType, body }: NdlAnswer) => {
      counters.record(outcome, caller.account, api);
      send(response, status, contentType, body);
    };

    if (route === undefined) return reply('rejected', errorAnswer(NDL_ERRORS.unknownRoute, format));
    if (caller.kind === 'unrecognized') {
      return reply('rejected', errorAnswer(NDL_ERRORS.unknownKey, format));
    }
    // One instant per call: the limits count it, and the data served is the data out by then.
    const at = now();
    const limited = limiter.charge(caller.kind === 'key' ? caller : undefined, at);
    if (limited !== undefined) return reply('throttled', errorAnswer(limited, format));

    const result =
      bodyError === undefined ? answer(route, params, at) : errorAnswer(bodyError.spec, format);
    // Faults come after the key and the limits, so a faulted call is charged as the real
    // service charges a call its proxy then loses.
    const fault = faults.next();
    if (fault !== undefined) {
      counters.record('faulted', caller.account, api);
      if (!answerWithFault(fault, request, response, result.body)) {
        const busy = errorAnswer(NDL_ERRORS.busy, format);
        send(response, busy.status, busy.contentType, busy.body);
      }
      return;
    }
    reply(result.status < 400 ? 'served' : 'rejected', result);
  };

  const server = await listen(handle, options);
  return {
    url: server.url,
    baseUrl: `${server.url}/api/v3`,
    market,
    apiKey: first.key,
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    close: () => server.close(),
  };
}
