import { describe, it, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointStoreContract,
  contractText,
  createFileSink,
  createMemorySink,
  createStorage,
  sinkContract,
} from '../src/index.js';
import { DIALECTS, freshDatabase } from './databases.js';

jest.setTimeout(30_000);

describe.each(DIALECTS)('the Sink and CheckpointStore contracts: Knex storage on %s', (dialect) => {
  const knexStorage = async () => {
    const db = await freshDatabase(dialect);
    const storage = createStorage({ url: db.url });
    return { storage, cleanup: () => storage.close().then(() => db.drop()) };
  };
  for (const c of sinkContract(async () => {
    const { storage, cleanup } = await knexStorage();
    return {
      sink: storage,
      rows: async (source) => (await storage.readRows(source)).map(contractText),
      cleanup,
    };
  })) {
    it(`sink: ${c.name}`, () => c.run());
  }
  for (const c of checkpointStoreContract(async () => {
    const { storage, cleanup } = await knexStorage();
    return { store: storage.checkpoints, cleanup };
  })) {
    it(`checkpoints: ${c.name}`, () => c.run());
  }
});

describe('the Sink contract: memory sink', () => {
  for (const c of sinkContract(() => {
    const sink = createMemorySink();
    return Promise.resolve({
      sink,
      rows: (source) => Promise.resolve(sink.rows(source.id).map(contractText)),
    });
  })) {
    it(c.name, () => c.run());
  }
});

describe('the Sink contract: JSON Lines file sink', () => {
  for (const c of sinkContract(() => {
    const root = mkdtempSync(join(tmpdir(), 'dsync-contract-'));
    const sink = createFileSink({ root, format: 'jsonl' });
    const rows = (source: { storage: { table: string } }) => {
      const dir = join(root, source.storage.table);
      const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.endsWith('.jsonl'),
      );
      const lines = files.flatMap((f) =>
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      return Promise.resolve(
        lines.map((l) => contractText(JSON.parse(l) as Record<string, unknown>)),
      );
    };
    return Promise.resolve({
      sink,
      rows,
      cleanup: () => Promise.resolve(rmSync(root, { recursive: true, force: true })),
    });
  })) {
    it(c.name, () => c.run());
  }
});
