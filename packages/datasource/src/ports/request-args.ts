import type { Scalar } from '../schema/primitives.js';

/** Parameter values of one request, as the API receives them. */
export type RequestParams = Readonly<Record<string, Scalar>>;

/**
 * One request's arguments: the one data structure arg generation hands to the
 * synchronizer. `key` is stable across runs and processes, so the ledger can tell
 * "done" from "not done".
 */
export interface RequestArgs {
  readonly sourceId: string;
  readonly api: string;
  readonly params: RequestParams;
  /** `argsKey(api, params)`, then `@{asOf}` for a snapshot. */
  readonly key: string;
  /**
   * For requests that fetch a snapshot rather than a date range (a stock list, an index
   * list): the day it is taken as of (`YYYY-MM-DD`). Part of the key, so a snapshot is
   * fetched again on a later day but not twice on one day.
   */
  readonly asOf?: string;
  /**
   * The date range this request covers (`YYYY-MM-DD`, inclusive), when it has one: the
   * cursor advances over it and `replace-window` writes delete it.
   */
  readonly window?: { readonly start: string; readonly end: string };
  /**
   * When the data of `window` settles (an ISO instant): an answer to a request sent before
   * then may still change, so a later sync asks it again. Absent: final whenever it is asked.
   */
  readonly settles?: string;
}

const encode = (value: Scalar): string => encodeURIComponent(String(value));

/**
 * The canonical key of a request: the api, then its parameters sorted by name, query-string
 * encoded (`daily?trade_date=20240102`). Equal parameters give equal keys whatever their
 * order; numbers and their decimal strings are the same value to the API and the same here.
 */
export function argsKey(api: string, params: RequestParams): string {
  const query = Object.keys(params)
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encode(params[name] as Scalar)}`)
    .join('&');
  return query === '' ? api : `${api}?${query}`;
}

/** Builds request args with their key. */
export function createRequestArgs(
  sourceId: string,
  api: string,
  params: RequestParams,
  extra: Pick<RequestArgs, 'window' | 'asOf' | 'settles'> = {},
): RequestArgs {
  const key =
    extra.asOf === undefined ? argsKey(api, params) : `${argsKey(api, params)}@${extra.asOf}`;
  return Object.freeze({
    sourceId,
    api,
    params: Object.freeze({ ...params }),
    key,
    ...(extra.window === undefined ? {} : { window: Object.freeze({ ...extra.window }) }),
    ...(extra.asOf === undefined ? {} : { asOf: extra.asOf }),
    ...(extra.settles === undefined ? {} : { settles: extra.settles }),
  });
}

/**
 * Whether the answer to a request sent at `askedAt` (ISO) is final: it was asked once its
 * window had settled (or its data never changes). A run asks the others again.
 */
export function isFinalAnswer(args: Pick<RequestArgs, 'settles'>, askedAt: string): boolean {
  return args.settles === undefined || askedAt >= args.settles;
}
