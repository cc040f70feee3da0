/**
 * Base URLs, checked once when a client is made (and by the CLI when it loads a config), so
 * an address with a missing or doubled API path fails there with the expected form instead
 * of every request failing later.
 */

/** The documented HTTP endpoint (doc_id=130); the SDK's `http://api.waditu.com/dataapi` also works. */
export const TUSHARE_BASE_URL = 'http://api.tushare.pro';

/** The official clients' base URL. */
export const NDL_BASE_URL = 'https://data.nasdaq.com/api/v3';

/**
 * A URL as messages show it: its password masked through the URL API (as `redactUrl` of
 * @dsync/storage-adapters does, which this package does not depend on), nothing of an
 * unparseable one with an `@` in it.
 */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return JSON.stringify(parsed.href);
  } catch {
    return url.includes('@') ? '<unparseable URL>' : JSON.stringify(url);
  }
}

/** An http(s) URL without its trailing slashes, checked once so a typo fails at creation. */
export function baseUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`baseUrl is not a URL: ${shown(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`baseUrl is not an http:// or https:// URL: ${shown(url)}`);
  }
  return parsed.href.replace(/\/+$/, '');
}

/** The path's segments: `/api/v3/` → `['api', 'v3']`, `/` → `[]`. */
function segmentsOf(url: string): string[] {
  const path = new URL(url).pathname.replace(/\/+$/, '');
  return path === '' ? [] : path.split('/').slice(1);
}

/** How often `pair` appears as consecutive segments, and whether it ends them. */
function occurrences(segments: readonly string[], pair: readonly [string, string]) {
  let count = 0;
  for (let i = 0; i + 1 < segments.length; i += 1) {
    if (segments[i] === pair[0] && segments[i + 1] === pair[1]) count += 1;
  }
  const atEnd = segments.at(-2) === pair[0] && segments.at(-1) === pair[1];
  return { count, atEnd };
}

const TUSHARE_FORM =
  `expected the server's address, e.g. ${TUSHARE_BASE_URL}, or one ending in /dataapi once, ` +
  "e.g. http://api.waditu.com/dataapi; the sandbox's start line prints the value to paste (tushare.baseUrl)";

const NDL_FORM = (once: string) =>
  `it must end in /api/v3${once}, e.g. ${NDL_BASE_URL}; ` +
  "the sandbox's start line prints the value to paste (ndl.baseUrl)";

/**
 * A Tushare base URL, normalised: no trailing slash. The server's root and `/dataapi` (the
 * SDK's path) are what Tushare serves; a proxy's own prefix is kept too. Refused: a doubled
 * `/dataapi/dataapi`, and a path ending in `/api/v3` (NDL's, pasted into the wrong account).
 * @throws TypeError naming the value (its password masked) and the expected form
 */
export function tushareBaseUrl(url: string): string {
  const base = baseUrlOf(url);
  const segments = segmentsOf(base);
  if (occurrences(segments, ['dataapi', 'dataapi']).count > 0) {
    throw new TypeError(`Tushare baseUrl ${shown(url)} has /dataapi doubled; ${TUSHARE_FORM}`);
  }
  if (occurrences(segments, ['api', 'v3']).atEnd) {
    throw new TypeError(
      `Tushare baseUrl ${shown(url)} ends in /api/v3, the path of NDL's API; ${TUSHARE_FORM}`,
    );
  }
  return base;
}

/**
 * An NDL base URL, normalised: one with no path gets `/api/v3`, and it has no trailing slash.
 * A path must end in `/api/v3`, once (a proxy's prefix before it is kept).
 * @throws TypeError naming the value (its password masked) and the expected form
 */
export function ndlBaseUrl(url: string): string {
  const base = baseUrlOf(url);
  const segments = segmentsOf(base);
  if (segments.length === 0) {
    const withPath = new URL(base);
    withPath.pathname = '/api/v3';
    return withPath.href;
  }
  const { count, atEnd } = occurrences(segments, ['api', 'v3']);
  if (count > 1) {
    throw new TypeError(`NDL baseUrl ${shown(url)} has /api/v3 doubled; ${NDL_FORM(' once')}`);
  }
  if (!atEnd) {
    throw new TypeError(`NDL baseUrl ${shown(url)} does not end in /api/v3; ${NDL_FORM('')}`);
  }
  return base;
}
