import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, type DataSource, type SourceEntry } from '@dsync/datasource';
import {
  Market,
  storedTruth,
  startTushareSandbox,
  type TushareSandbox,
  type TushareSandboxOptions,
} from '@dsync/sandbox';
import { createStorage, type KnexStorage, type ReadRow } from '@dsync/storage-adapters';
import { createTushareClient } from '../src/clients/tushare-client.js';
import { SyncController, type SyncControllerOptions } from '../src/index.js';

/** A sandbox, a SQLite file and a controller over them; `close()` removes everything. */
export interface Harness {
  readonly sandbox: TushareSandbox;
  readonly storage: KnexStorage;
  readonly registry: DataSourceRegistry;
  readonly controller: SyncController;
  readonly market: Market;
  /** The stored table of a source, ordered by primary key. */
  rows(id: string): Promise<ReadRow[]>;
  /** The ground truth of a source's table over a date range, in stored form and order. */
  truth(id: string, params: Record<string, string>): ReadRow[];
  close(): Promise<void>;
}

export const MARKET = {
  seed: 'engine',
  symbols: 12,
  start: '2024-01-01',
  end: '2024-03-29',
} as const;

export async function harness(
  entries: SourceEntry[],
  options: {
    sandbox?: Omit<TushareSandboxOptions, 'market'>;
    controller?: Partial<SyncControllerOptions>;
    timeoutMs?: number;
    /** The sandbox's compressed "minute", for the client's cool-downs. */
    rateWindowMs?: number;
    /** One clock for the sandbox, the client and the controller's quota days. @default Date.now */
    clock?: () => number;
  } = {},
): Promise<Harness> {
  const market = new Market(MARKET);
  const { clock } = options;
  const sandbox = await startTushareSandbox({
    market,
    ...options.sandbox,
    ...(clock === undefined ? {} : { now: clock }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'dsync-engine-'));
  const storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
  await storage.ready();
  const registry = DataSourceRegistry.load(entries);
  const client = createTushareClient({
    token: sandbox.token,
    baseUrl: sandbox.url,
    timeoutMs: options.timeoutMs ?? 5_000,
    ...(options.rateWindowMs === undefined ? {} : { rateWindowMs: options.rateWindowMs }),
    ...(clock === undefined ? {} : { clock }),
  });
  const controller = new SyncController({
    registry,
    storage: {
      sink: storage,
      checkpoints: storage.checkpoints,
      argContext: (f) => storage.argContext(f),
      countRows: (s) => storage.countRows(s),
    },
    clients: { tushare: client },
    // Fast limits unless a test sets its own: the documented 200 a minute would make every test slow.
    accounts: {
      tushare: {
        limits: {
          windows: [{ limit: 2000, windowMs: 1000 }],
          perInterface: true,
          maxConcurrent: 4,
        },
      },
    },
    ...(clock === undefined ? {} : { clock }),
    ...options.controller,
  });
  const source = (id: string): DataSource => registry.get(id);
  return {
    sandbox,
    storage,
    registry,
    controller,
    market,
    rows: (id) => storage.readRows(source(id)),
    truth: (id, params) => storedTruth(market, source(id), params),
    async close() {
      await sandbox.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
