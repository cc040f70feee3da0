import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTushareSandbox, type NdlSandbox, type TushareSandbox } from '@dsync/sandbox';
import {
  createNdlClient,
  createTushareClient,
  NDL_BASE_URL,
  ndlBaseUrl,
  TUSHARE_BASE_URL,
  tushareBaseUrl,
} from '../src/index.js';
import { gold, JANUARY, KEY, MARKET, ndlFetches, sourceOf, startNdl } from './client-helpers.js';

/** The address rules both clients apply when made, and the CLI when it loads a config. */

const NDL_FORM =
  "it must end in /api/v3, e.g. https://data.nasdaq.com/api/v3; the sandbox's start line prints the value to paste (ndl.baseUrl)";
const TUSHARE_FORM =
  "expected the server's address, e.g. http://api.tushare.pro, or one ending in /dataapi once, " +
  "e.g. http://api.waditu.com/dataapi; the sandbox's start line prints the value to paste (tushare.baseUrl)";

/** The TypeError `run` throws. */
function refusal(run: () => unknown): TypeError {
  try {
    run();
  } catch (error) {
    if (error instanceof TypeError) return error;
    throw error;
  }
  throw new Error('expected a TypeError');
}

describe('ndlBaseUrl', () => {
  it('keeps the default and any address ending in /api/v3 once, without the trailing slash', () => {
    expect(ndlBaseUrl(NDL_BASE_URL)).toBe('https://data.nasdaq.com/api/v3');
    expect(ndlBaseUrl('https://data.nasdaq.com/api/v3/')).toBe('https://data.nasdaq.com/api/v3');
    expect(ndlBaseUrl('http://127.0.0.1:9/api/v3//')).toBe('http://127.0.0.1:9/api/v3');
    // A proxy's prefix before it.
    expect(ndlBaseUrl('https://proxy.example/ndl/api/v3')).toBe('https://proxy.example/ndl/api/v3');
  });

  it('adds /api/v3 to an address without a path', () => {
    expect(ndlBaseUrl('http://127.0.0.1:38669')).toBe('http://127.0.0.1:38669/api/v3');
    expect(ndlBaseUrl('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/api/v3');
    expect(ndlBaseUrl('https://data.nasdaq.com')).toBe('https://data.nasdaq.com/api/v3');
  });

  it('refuses /api/v3 twice, saying it is doubled', () => {
    expect(refusal(() => ndlBaseUrl('http://127.0.0.1:9/api/v3/api/v3')).message).toBe(
      'NDL baseUrl "http://127.0.0.1:9/api/v3/api/v3" has /api/v3 doubled; ' +
        "it must end in /api/v3 once, e.g. https://data.nasdaq.com/api/v3; the sandbox's start line prints the value to paste (ndl.baseUrl)",
    );
    expect(refusal(() => ndlBaseUrl('http://h/api/v3/x/api/v3/')).message).toContain(
      'has /api/v3 doubled',
    );
  });

  it.each(['/api', '/api/v2', '/v3', '/api/v3/datasets', '/API/V3', '/myapi/v3'])(
    'refuses the path %s with the expected form',
    (path) => {
      expect(refusal(() => ndlBaseUrl(`http://127.0.0.1:9${path}`)).message).toBe(
        `NDL baseUrl "http://127.0.0.1:9${path}" does not end in /api/v3; ${NDL_FORM}`,
      );
    },
  );
});

describe('tushareBaseUrl', () => {
  it('keeps the root and /dataapi, without the trailing slash', () => {
    expect(tushareBaseUrl(TUSHARE_BASE_URL)).toBe('http://api.tushare.pro');
    expect(tushareBaseUrl('http://api.tushare.pro/')).toBe('http://api.tushare.pro');
    expect(tushareBaseUrl('http://api.waditu.com/dataapi')).toBe('http://api.waditu.com/dataapi');
    expect(tushareBaseUrl('http://127.0.0.1:9/dataapi/')).toBe('http://127.0.0.1:9/dataapi');
  });

  it("keeps any other path: a proxy's prefix", () => {
    expect(tushareBaseUrl('https://proxy.example/tushare/')).toBe('https://proxy.example/tushare');
    expect(tushareBaseUrl('http://127.0.0.1:9/dataapi/daily')).toBe(
      'http://127.0.0.1:9/dataapi/daily',
    );
  });

  it('refuses /dataapi twice, saying it is doubled', () => {
    expect(refusal(() => tushareBaseUrl('http://127.0.0.1:9/dataapi/dataapi/')).message).toBe(
      `Tushare baseUrl "http://127.0.0.1:9/dataapi/dataapi/" has /dataapi doubled; ${TUSHARE_FORM}`,
    );
  });

  it("refuses NDL's /api/v3, pasted into the wrong account", () => {
    expect(refusal(() => tushareBaseUrl('http://127.0.0.1:9/api/v3')).message).toBe(
      `Tushare baseUrl "http://127.0.0.1:9/api/v3" ends in /api/v3, the path of NDL's API; ${TUSHARE_FORM}`,
    );
  });
});

describe('both: what is not an http(s) URL, and passwords', () => {
  it.each([
    ['tushareBaseUrl', 'api.tushare.pro', 'baseUrl is not a URL: "api.tushare.pro"'],
    ['ndlBaseUrl', 'not a url', 'baseUrl is not a URL: "not a url"'],
    [
      'tushareBaseUrl',
      'localhost:7000',
      'baseUrl is not an http:// or https:// URL: "localhost:7000"',
    ],
    [
      'ndlBaseUrl',
      'ftp://data.nasdaq.com/api/v3',
      'baseUrl is not an http:// or https:// URL: "ftp://data.nasdaq.com/api/v3"',
    ],
  ] as const)('%s refuses %s', (name, url, message) => {
    const normalise = name === 'ndlBaseUrl' ? ndlBaseUrl : tushareBaseUrl;
    expect(refusal(() => normalise(url)).message).toBe(message);
  });

  it('names the value with its password masked, and hides an unparseable one holding an @', () => {
    const secret = 'pr0xy-pa55word';
    const ndl = refusal(() => ndlBaseUrl(`http://user:${secret}@proxy.example/api/v2`));
    expect(ndl.message).toBe(
      `NDL baseUrl "http://user:***@proxy.example/api/v2" does not end in /api/v3; ${NDL_FORM}`,
    );
    const tushare = refusal(() => tushareBaseUrl(`ftp://user:${secret}@proxy.example/`));
    expect(tushare.message).toBe(
      'baseUrl is not an http:// or https:// URL: "ftp://user:***@proxy.example/"',
    );
    const broken = refusal(() => tushareBaseUrl(`http://user:${secret}@proxy.example:99999/`));
    expect(broken.message).toBe('baseUrl is not a URL: <unparseable URL>');
    // A password is kept in the address itself: it is what the proxy needs.
    expect(ndlBaseUrl(`http://user:${secret}@proxy.example`)).toBe(
      `http://user:${secret}@proxy.example/api/v3`,
    );
  });
});

describe('the clients apply the same rules', () => {
  const { fetchOnce } = ndlFetches();
  let ndl: NdlSandbox;
  let tushare: TushareSandbox;
  beforeAll(async () => {
    ndl = await startNdl();
    tushare = await startTushareSandbox({
      market: MARKET,
      accounts: [{ token: 'tushare-token-for-base-urls', tier: '2000' }],
    });
  });
  afterAll(() => Promise.all([ndl.close(), tushare.close()]));

  it("an NDL client given the sandbox's root (the old start line's url) or its baseUrl gets rows", async () => {
    expect(ndl.baseUrl).toBe(`${ndl.url}/api/v3`);
    for (const baseUrl of [ndl.url, ndl.baseUrl, `${ndl.url}/`]) {
      const result = await fetchOnce(createNdlClient({ baseUrl, apiKey: KEY }), gold, JANUARY);
      expect(result.outcome.kind).toBe('rows');
    }
  });

  it("a Tushare client given the sandbox's baseUrl gets rows", async () => {
    expect(tushare.baseUrl).toBe(tushare.url);
    const client = createTushareClient({ baseUrl: tushare.baseUrl, token: tushare.token });
    const result = await fetchOnce(client, sourceOf('tushare.daily'), { trade_date: '20240105' });
    expect(result.outcome.kind).toBe('rows');
  });

  it('refuse a doubled or wrong path when made', () => {
    expect(() => createNdlClient({ baseUrl: `${ndl.baseUrl}/api/v3`, apiKey: KEY })).toThrow(
      `NDL baseUrl "${ndl.url}/api/v3/api/v3" has /api/v3 doubled`,
    );
    expect(() => createTushareClient({ baseUrl: ndl.baseUrl, token: tushare.token })).toThrow(
      `Tushare baseUrl "${ndl.url}/api/v3" ends in /api/v3`,
    );
  });
});
