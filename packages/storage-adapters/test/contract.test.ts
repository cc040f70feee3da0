import { describe, it, jest } from '@jest/globals';
import {
  checkpointStoreContract,
  contractText,
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
