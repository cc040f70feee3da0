/**
 * What one request came to, as a provider client classifies the answer. Only provider
 * clients look at status codes and message text; everything after them reads this union.
 */
export type Outcome =
  /** Rows came back; they go to the sink. */
  | { readonly kind: 'rows'; readonly rows: number }
  /** The answer was valid and held no rows. */
  | { readonly kind: 'empty' }
  /** A short-window limit (per minute, per 10 s): `retryAfterMs` when the answer told. */
  | { readonly kind: 'too-frequent'; readonly retryAfterMs?: number }
  /** A long-window quota (per day, per hour): `resetsAt` (ISO) when known. */
  | { readonly kind: 'daily-limit'; readonly resetsAt?: string }
  /**
   * The server rejected the request: it will never succeed as it is. `suspect`: what the
   * answer blames, when it says (a route the API does not have, an unknown interface or
   * dataset code, a parameter).
   */
  | { readonly kind: 'bad-argument'; readonly message: string; readonly suspect?: Suspect }
  | { readonly kind: 'timeout' }
  /** Server busy, 5xx, a reset connection, a body that is not the API's. */
  | { readonly kind: 'transient'; readonly message: string }
  | { readonly kind: 'auth'; readonly message: string }
  | { readonly kind: 'permission'; readonly message: string }
  | { readonly kind: 'unknown'; readonly message: string };

export type OutcomeKind = Outcome['kind'];

/**
 * What a refusal blames. `address`: the client's base URL (the API has no such route), so no
 * request of the account can succeed; `api`: the source's interface or dataset code;
 * `params`: a parameter of the request, or one the definition leaves out.
 */
export type Suspect = 'address' | 'api' | 'params';
