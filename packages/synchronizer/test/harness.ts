import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, type DataSource, type SourceEntry } from '@dsync/datasource';
import {
  groundTruth,
  Market,
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
  } = {},
): Promise<Harness> {
  const market = new Market(MARKET);
  const sandbox = await startTushareSandbox({ market, ...options.sandbox });
  const dir = mkdtempSync(join(tmpdir(), 'dsync-engine-'));
  const storage = createStorage({ url: `sqlite:${join(dir, 'dsync.db')}` });
  await storage.ready();
  const registry = DataSourceRegistry.load(entries);
  const client = createTushareClient({
    token: sandbox.token,
    baseUrl: sandbox.url,
    timeoutMs: options.timeoutMs ?? 5_000,
    ...(options.rateWindowMs === undefined ? {} : { rateWindowMs: options.rateWindowMs }),
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
    truth(id, params) {
      const s = source(id);
      const compare = (a: ReadRow, b: ReadRow) => {
        for (const k of s.primaryKey) {
          const x = String(a[k]);
          const y = String(b[k]);
          if (x !== y) return x < y ? -1 : 1;
        }
        return 0;
      };
      return [...groundTruth(market).tushare(s.api, params)]
        .map((row) => normalise(s, row))
        .sort(compare);
    },
    async close() {
      await sandbox.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ground-truth row as the storage reads it back: ISO dates, exact decimals without trailing zeros. */
function normalise(source: DataSource, row: Record<string, unknown>): ReadRow {
  const out: ReadRow = {};
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  for (const field of source.fields) {
    const value = row[field.from ?? field.name];
    if (value === null || value === undefined) out[field.name] = null;
    else if (field.type === 'date')
      out[field.name] = text(value).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    else if (field.type === 'decimal') {
      const digits = text(value);
      out[field.name] = digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
    } else out[field.name] = value;
  }
  return out;
}
