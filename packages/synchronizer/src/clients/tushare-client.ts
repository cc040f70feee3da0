import { systemClock } from '@dsync/datasource';
import { toFetchResult } from './classified.js';
import { remoteNames } from './columns.js';
import { TUSHARE_BASE_URL, tushareBaseUrl } from './base-url.js';
import { exchange, transportOf } from './http-exchange.js';
import { digestOf } from './settings-digest.js';
import {
  assertProvider,
  DEFAULT_TIMEOUT_MS,
  type ClientOptions,
  type ProviderClient,
} from './provider-client.js';
import { redactResult } from './redact.js';
import type { Classified } from './classified.js';
import { classifyTushareAnswer, TUSHARE_MINUTE_MS } from './tushare-classify.js';

export interface TushareClientOptions extends ClientOptions {
  /** The account's token; it travels in the request body and nowhere else. */
  readonly token: string;
  /**
   * The length of Tushare's rate window, which its "per minute" messages imply: the wait a
   * too-frequent answer asks for. A sandbox with a compressed window says its own.
   * @default 60000
   */
  readonly rateWindowMs?: number;
}

/** A too-frequent answer's wait, in this deployment's window. */
function inWindow(classified: Classified, windowMs: number | undefined): Classified {
  const { outcome } = classified;
  if (
    windowMs === undefined ||
    outcome.kind !== 'too-frequent' ||
    outcome.retryAfterMs !== TUSHARE_MINUTE_MS
  )
    return classified;
  return { ...classified, outcome: { ...outcome, retryAfterMs: windowMs } };
}

/**
 * A Tushare Pro client: POST `{ api_name, token, params, fields }` as JSON to the base URL.
 * The source's fields are requested by name, because many columns only come back when named.
 */
export function createTushareClient(options: TushareClientOptions): ProviderClient {
  const url = tushareBaseUrl(options.baseUrl ?? TUSHARE_BASE_URL);
  const secrets = [options.token];
  const transport = transportOf(options, secrets);
  const clock = options.clock ?? systemClock;
  const now = () => new Date(clock());
  return {
    settings: digestOf('tushare', url, options.token),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    async fetch(args, source, fetchOptions = {}) {
      assertProvider(source, 'tushare');
      const exchanged = await exchange(
        {
          method: 'POST',
          url,
          json: {
            api_name: args.api,
            token: options.token,
            params: args.params,
            fields: remoteNames(source.fields).join(','),
          },
        },
        transport,
        fetchOptions.signal,
      );
      if (exchanged.kind === 'failed') {
        return redactResult({ outcome: exchanged.outcome, detail: exchanged.detail }, secrets);
      }
      const { answer } = exchanged;
      return redactResult(
        toFetchResult(
          inWindow(classifyTushareAnswer(answer, now()), options.rateWindowMs),
          source,
          answer.status,
        ),
        secrets,
      );
    },
  };
}
