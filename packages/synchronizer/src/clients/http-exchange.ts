import { got, RequestError, TimeoutError } from 'got';
import { DsyncError } from '@dsync/datasource';
import type { Outcome } from '../outcome.js';
import { throwIfCancelled } from './cancelled-error.js';
import { DEFAULT_TIMEOUT_MS, type ClientOptions } from './provider-client.js';
import { redact } from './redact.js';

/** An HTTP answer as the classifiers read it: pure data, no library objects. */
export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly searchParams?: URLSearchParams;
  /** Sent as a JSON body. */
  readonly json?: Readonly<Record<string, unknown>>;
}

/** What a client's transport needs, resolved once from its options. */
export interface Transport {
  readonly timeoutMs: number;
  readonly agent: NonNullable<ClientOptions['agent']>;
  /** Masked out of every message this module builds. */
  readonly secrets: readonly string[];
}

export type Exchange =
  | { readonly kind: 'answer'; readonly answer: HttpAnswer }
  | { readonly kind: 'failed'; readonly outcome: Outcome; readonly detail: string };

export function transportOf(options: ClientOptions, secrets: readonly string[]): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  }
  // Answers are masked for the credential before they are read (see `exchange`): a credential
  // of a few characters would mask ordinary data too, and no real token or key is that short.
  for (const secret of secrets) {
    if (secret.length > 0 && secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(
        `The token or API key is ${secret.length} characters long; real ones have at least ${MIN_SECRET_LENGTH}.`,
      );
    }
  }
  return { timeoutMs, agent: options.agent ?? {}, secrets };
}

/** The shortest credential accepted: Tushare tokens have 56 characters, NDL keys 20. */
export const MIN_SECRET_LENGTH = 12;

const NETWORK_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was reset before a complete answer',
  ECONNREFUSED: 'the connection was refused',
  EPIPE: 'the connection was closed while sending',
  ENOTFOUND: 'the host name did not resolve',
  EAI_AGAIN: 'the host name did not resolve (temporary DNS failure)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * A transport failure as an outcome. The library's error is read for its code only: it
 * holds the request options (the Tushare token is in the body), so neither it nor its
 * message travels on.
 */
function failureOf(error: RequestError, transport: Transport): Exchange {
  if (error instanceof TimeoutError) {
    return {
      kind: 'failed',
      outcome: { kind: 'timeout' },
      detail: `no complete answer within ${transport.timeoutMs} ms`,
    };
  }
  const known = NETWORK_PROBLEMS[error.code];
  const message = redact(
    `${known ?? 'the request failed'} (${error.code}: ${error.message})`,
    transport.secrets,
  );
  return { kind: 'failed', outcome: { kind: 'transient', message }, detail: message };
}

/**
 * One HTTP request with got: no retries (retrying is the engine's policy), no redirects (a
 * redirect would carry the key's header to another host; the base URL should be the final
 * one), any status accepted, the body read as text for the classifier.
 * @throws CancelledError when the signal aborts
 */
export async function exchange(
  request: HttpRequest,
  transport: Transport,
  signal: AbortSignal | undefined,
): Promise<Exchange> {
  throwIfCancelled(signal);
  try {
    const response = await got(request.url, {
      method: request.method,
      headers: { 'user-agent': 'dsync', ...request.headers },
      ...(request.searchParams === undefined ? {} : { searchParams: request.searchParams }),
      ...(request.json === undefined ? {} : { json: request.json }),
      responseType: 'text',
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      timeout: { request: transport.timeoutMs },
      agent: transport.agent,
      ...(signal === undefined ? {} : { signal }),
    });
    // Masked before anything reads it: a detail quotes only the start of a body, and a
    // secret cut in half there would escape masking afterwards.
    const body = redact(response.body, transport.secrets);
    return {
      kind: 'answer',
      answer: { status: response.statusCode, headers: response.headers, body },
    };
  } catch (error) {
    throwIfCancelled(signal);
    if (error instanceof RequestError) return failureOf(error, transport);
    // Not a transport failure: a bug. Re-thrown as our own error, without the original
    // (it may hold the request).
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DsyncError('E_CLIENT', redact(`HTTP client failure: ${what}`, transport.secrets));
  }
}
