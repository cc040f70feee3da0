import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Clock, DataSource, RequestArgs } from '@dsync/datasource';
import type { Outcome } from '../outcome.js';

/**
 * The port the engine fetches through: one request in, one classified answer out. Only
 * provider clients look at HTTP statuses and message text; the engine reads `outcome`.
 */
export interface ProviderClient {
  /**
   * Makes one request; never throws for an answer: every answer (and every transport
   * failure) becomes a {@link FetchResult}.
   * @throws CancelledError when `options.signal` aborts, before or during the request
   */
  fetch(args: RequestArgs, source: DataSource, options?: FetchOptions): Promise<FetchResult>;
  /**
   * A digest of what its requests depend on besides their args (its address, its
   * credential), never the credential itself: a source's dropped requests are asked again
   * when it changes. A client without one never reopens them by itself.
   */
  readonly settings?: string;
  /** How long a request may take before it is given up (ms): what a limiter's job must outlast. */
  readonly timeoutMs?: number;
}

export interface FetchOptions {
  /** Aborting it cancels the request; `fetch` then rejects with a `CancelledError`. */
  readonly signal?: AbortSignal;
}

export interface FetchResult {
  readonly outcome: Outcome;
  /**
   * For outcome `rows`: the local field names of the answered columns (remote names mapped
   * through each field's `from`; columns no field names are dropped), in the answer's order.
   */
  readonly columns?: readonly string[];
  /** For outcome `rows`: one array per row, in `columns` order. */
  readonly rows?: readonly (readonly unknown[])[];
  /** NDL tables: `meta.next_cursor_id` (null on the last page). */
  readonly nextCursor?: string | null;
  /**
   * What went wrong, for the ledger and logs: the server's code and message when there was
   * one (`40203 抱歉，您每分钟最多访问该接口200次…`). Never contains the token or key.
   */
  readonly detail?: string;
  /** The HTTP status, when there was a response. */
  readonly status?: number;
}

export interface ClientOptions {
  /**
   * Where the API lives, checked by `tushareBaseUrl` / `ndlBaseUrl`: NDL's ends in `/api/v3`
   * (added to one without a path). A sandbox's is its `baseUrl`.
   * @default 'http://api.tushare.pro' (Tushare), 'https://data.nasdaq.com/api/v3' (NDL)
   */
  readonly baseUrl?: string;
  /**
   * How long a request may take from start to the last byte; then the outcome is `timeout`.
   * @default 30000 (the Tushare SDK's timeout)
   */
  readonly timeoutMs?: number;
  /** Agents for connection reuse or proxies. @default Node's global agents */
  readonly agent?: { readonly http?: HttpAgent; readonly https?: HttpsAgent };
  /**
   * The clock daily-limit reset times are computed from (next midnight in the provider's
   * time zone): the controller's. @default the system clock
   */
  readonly clock?: Clock;
}

/** The default request timeout, as the Tushare SDK's. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Throws when a client is handed another provider's source: a wiring bug, not an answer. */
export function assertProvider(source: DataSource, provider: DataSource['provider']): void {
  if (source.provider !== provider) {
    throw new TypeError(
      `source ${source.id} is a ${source.provider} source; this client speaks ${provider}`,
    );
  }
}
