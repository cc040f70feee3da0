import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { DataSourceRegistry, type SourceEntry } from '@dsync/datasource';
import {
  Market,
  startTushareSandbox,
  storedTruth,
  type MarketOptions,
  type TushareSandbox,
  type TushareSandboxOptions,
} from '@dsync/sandbox';
import { createStorage, type KnexStorage, type ReadRow } from '@dsync/storage-adapters';
import {
  createTushareClient,
  SyncController,
  type SyncControllerOptions,
} from '@dsync/synchronizer';
import { createWebServer, type WebServer } from '../src/index.js';

/**
 * The test bed of the web interface, shared by the API tests and the UI's browser tests:
 * a Tushare sandbox over a small deterministic market, a temporary SQLite database, a
 * registry, a Sync Controller with the sandbox's client, and the web server over them,
 * listening on a free loopback port. Keep its shape stable: other suites import it.
 */
export interface WebHarnessOptions {
  /** @default ['tushare.trade_cal', 'tushare.stock_basic', 'tushare.daily', 'tushare.adj_factor'] */
  readonly sources?: readonly SourceEntry[];
  /** @default MARKET (12 symbols, 2024-01-01 to 2024-03-29) */
  readonly market?: MarketOptions;
  /**
   * The controller's calls per window for Tushare, e.g. `{ limit: 5, windowMs: 1000 }`: a run
   * slow enough to watch and cancel. @default 2000 a second (as fast as the sandbox answers)
   */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
  /** Passed to the sandbox (faults, accounts, tiers, its window). */
  readonly sandbox?: Omit<TushareSandboxOptions, 'market'>;
  /**
   * Overrides of the controller's options (accounts, policy, clock). Its `clock`, when given,
   * is the web server's too: both judge what is published, settled and behind by it.
   */
  readonly controller?: Partial<SyncControllerOptions>;
  /** The sandbox's compressed "minute", for the client's cool-downs. */
  readonly rateWindowMs?: number;
  /** Passed to createWebServer. @default "127.0.0.1" */
  readonly host?: string;
  readonly accessToken?: string;
  /** Scrubbed from every answer, besides the sandbox's token which always is. */
  readonly secrets?: readonly string[];
  /** @default the package's built UI (dist/ui) */
  readonly uiRoot?: string;
}

export interface WebHarness {
  /** The server's base URL, e.g. `http://127.0.0.1:41235`. */
  readonly url: string;
  readonly server: WebServer;
  readonly controller: SyncController;
  readonly storage: KnexStorage;
  readonly registry: DataSourceRegistry;
  readonly sandbox: TushareSandbox;
  readonly market: Market;
  /** Headers that pass the access rules (the bearer token when one is set, else none). */
  readonly headers: Record<string, string>;
  /** `fetch(url + path)` with `headers` added. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs `body` as JSON with `headers` added. */
  post(path: string, body: unknown): Promise<Response>;
  /** The ground truth of a source's table for these request params, in stored form and primary-key order. */
  truth(id: string, params: Record<string, string>): ReadRow[];
  /** The stored table of a source, in primary-key order. */
  rows(id: string): Promise<ReadRow[]>;
  /** Closes the server, the sandbox and the database, and removes the database. */
  close(): Promise<void>;
}

export const MARKET = {
  seed: 'web',
  symbols: 12,
  start: '2024-01-01',
  end: '2024-03-29',
} as const satisfies MarketOptions;

/** The range the tests sync (January and February 2024): as a sync request, and as request params. */
export const RANGE = { since: '2024-01-01', until: '2024-02-29' };
export const DAILY = { start_date: '20240101', end_date: '20240229' };
export const CALENDAR = { exchange: 'SSE', ...DAILY };

/** dsync's clock in a test: set at an instant and running on from there. */
export interface TestClock {
  (): number;
  /** Moves it to `iso` now; it runs on from there. */
  set(iso: string): void;
}

/**
 * dsync's clock set at `iso` now and running on from there, for the controller and the web
 * server (a run's limiter needs time to pass). `clockAt(JUST_PUBLISHED)` is the evening of
 * the market's last day, its bars out and not settled yet.
 */
export function clockAt(iso: string): TestClock {
  let offset = Date.parse(iso) - Date.now();
  return Object.assign(() => Date.now() + offset, {
    set(to: string) {
      offset = Date.parse(to) - Date.now();
    },
  });
}

/**
 * 20:30 in Shanghai on Friday 2024-03-29, the market's last day: its bars are out (Tushare's
 * daily bars are published by 20:00) and settle at 20:00 on the next open day.
 */
export const JUST_PUBLISHED = '2024-03-29T12:30:00.000Z';

/**
 * The latest day whose Tushare daily bars are out at `now` (ms): they are published by 20:00
 * in Shanghai (UTC+8 all year), so it is the UTC date 12 hours before `now`.
 */
export const latestBarsOut = (now: number): string =>
  new Date(now - 12 * 3_600_000).toISOString().slice(0, 10);

/** Monday to Friday from `start` through `end` (YYYY-MM-DD), both included. */
export function weekdays(start: string, end: string): number {
  let count = 0;
  for (let t = Date.parse(start); t <= Date.parse(end); t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) count += 1;
  }
  return count;
}

/** An answer's JSON body, once its status and content type are as expected. */
export async function json<T>(answer: Promise<Response>, status = 200): Promise<T> {
  const response = await answer;
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await response.json()) as T;
}

export const DEFAULT_SOURCES = [
  'tushare.trade_cal',
  'tushare.stock_basic',
  'tushare.daily',
  'tushare.adj_factor',
] as const;

export async function webHarness(options: WebHarnessOptions = {}): Promise<WebHarness> {
  const market = new Market(options.market ?? MARKET);
  const sandbox = await startTushareSandbox({ market, ...options.sandbox });
  const dir = mkdtempSync(join(tmpdir(), 'dsync-web-'));
  const storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
  await storage.ready();
  const registry = DataSourceRegistry.load([...(options.sources ?? DEFAULT_SOURCES)]);
  const client = createTushareClient({
    token: sandbox.token,
    baseUrl: sandbox.url,
    timeoutMs: 5_000,
    ...(options.rateWindowMs === undefined ? {} : { rateWindowMs: options.rateWindowMs }),
  });
  const rate = options.rateLimit ?? { limit: 2000, windowMs: 1000 };
  const controller = new SyncController({
    registry,
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (sourceOf) => storage.argContext(sourceOf),
      countRows: (source) => storage.countRows(source),
      latestDate: (source, field) => storage.latestDate(source, field),
      readRows: (source, page) => storage.readRows(source, page),
    },
    clients: { tushare: client },
    accounts: {
      tushare: { limits: { windows: [rate], perInterface: true, maxConcurrent: 4 } },
    },
    ...options.controller,
  });
  const server = createWebServer({
    controller,
    registry,
    host: options.host ?? '127.0.0.1',
    port: 0,
    secrets: [sandbox.token, ...(options.secrets ?? [])],
    ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
    ...(options.uiRoot === undefined ? {} : { uiRoot: options.uiRoot }),
    ...(options.controller?.clock === undefined ? {} : { clock: options.controller.clock }),
  });
  const url = await server.listen();
  const headers: Record<string, string> =
    options.accessToken === undefined ? {} : { authorization: `Bearer ${options.accessToken}` };
  return {
    url,
    server,
    controller,
    storage,
    registry,
    sandbox,
    market,
    headers,
    request: (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
      }),
    post: (path, body) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    truth: (id, params) => storedTruth(market, registry.get(id), params),
    rows: (id) => storage.readRows(registry.get(id)),
    async close() {
      controller.cancel();
      await server.close();
      await sandbox.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
