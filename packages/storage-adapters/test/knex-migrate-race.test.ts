import { afterEach, describe, expect, it } from '@jest/globals';
import { createStorage } from '../src/index.js';
import { freshDatabase, type TestDatabase } from './databases.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

describe('processes that open one empty database at once', () => {
  it.each(['postgres', 'mysql'] as const)(
    '%s: every one migrates (or finds it migrated) and reads the same ledger',
    async (dialect) => {
      database = await freshDatabase(dialect);
      const url = database.url;
      // Separate connections, as separate processes have.
      const storages = Array.from({ length: 12 }, () => createStorage({ url }));
      try {
        const opened = await Promise.allSettled(storages.map((s) => s.ready()));
        expect(opened.map((o) => o.status)).toEqual(storages.map(() => 'fulfilled'));
        await storages[0]?.checkpoints.startRun({
          id: 'run-1',
          sourceIds: ['a'],
          startedAt: '2024-01-01T00:00:00.000Z',
        });
        for (const s of storages)
          expect((await s.checkpoints.getRun('run-1'))?.status).toBe('running');
        // Knex's lock has one row, free: a race leaving two would refuse every later migration.
        const lock = (await storages[0]?.knex('dsync_migrations_lock').select('is_locked')) ?? [];
        expect(lock.map((row: { is_locked: unknown }) => Number(row.is_locked))).toEqual([0]);
      } finally {
        await Promise.all(storages.map((s) => s.close()));
      }
    },
  );
});
