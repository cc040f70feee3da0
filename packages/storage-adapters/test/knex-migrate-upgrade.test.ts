import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createStorage } from '../src/index.js';
import { openConnection } from '../src/knex/connection.js';
import { LEDGER_MIGRATIONS } from '../src/knex/migrations.js';
import { DIALECTS, freshDatabase, type TestDatabase } from './databases.js';

jest.setTimeout(30_000);

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

/** A ledger as an earlier release left it: the first `count` migrations, and a source's cursor. */
async function olderLedger(url: string, count: number): Promise<void> {
  const { knex } = await openConnection(url);
  try {
    for (let i = 0; i < count; i++) await knex.migrate.up(LEDGER_MIGRATIONS);
    await knex('dsync_sources').insert({
      source_id: 'tushare.daily',
      cursor: '2024-01-05',
      last_synced_at: '2024-01-05T12:00:00.000Z',
    });
  } finally {
    await knex.destroy();
  }
}

describe.each(DIALECTS)('a ledger made before the settings column, on %s', (dialect) => {
  it('is migrated on open and keeps its cursor; the migration also goes back down', async () => {
    database = await freshDatabase(dialect);
    await olderLedger(database.url, 2);
    const storage = createStorage({ url: database.url });
    try {
      const { checkpoints } = storage;
      expect(await checkpoints.getSourceState('tushare.daily')).toEqual({
        sourceId: 'tushare.daily',
        pendingTasks: 0,
        cursor: '2024-01-05',
        lastSyncedAt: '2024-01-05T12:00:00.000Z',
      });
      expect(await checkpoints.recordSettings('tushare.daily', 'digest-1')).toBeUndefined();
      expect((await checkpoints.getSourceState('tushare.daily')).cursor).toBe('2024-01-05');

      const { knex } = storage; // opened by the calls above
      // Every later migration is there too, and each goes back down in turn.
      const columns = async () => [
        await knex.schema.hasColumn('dsync_runs', 'settings'),
        await knex.schema.hasColumn('dsync_tasks', 'awaits_store'),
        await knex.schema.hasColumn('dsync_tasks', 'stored_run_id'),
        await knex.schema.hasColumn('dsync_sources', 'settings'),
      ];
      expect(await columns()).toEqual([true, true, true, true]);
      await knex.migrate.down(LEDGER_MIGRATIONS); // 0005: a queued run's settings
      expect(await columns()).toEqual([false, true, true, true]);
      await knex.migrate.down(LEDGER_MIGRATIONS); // 0004: the store receipts
      expect(await columns()).toEqual([false, false, false, true]);
      await knex.migrate.down(LEDGER_MIGRATIONS); // 0003: a source's settings
      expect(await columns()).toEqual([false, false, false, false]);
      const [row] = await knex<{ source_id: string; cursor: string }>('dsync_sources').select(
        'source_id',
        'cursor',
      );
      expect(row).toEqual({ source_id: 'tushare.daily', cursor: '2024-01-05' });
    } finally {
      await storage.close();
    }
  });
});
