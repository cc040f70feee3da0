import type { Knex } from 'knex';

/**
 * dsync's own tables (runs, the task ledger, cursors, quota counts), versioned with Knex's
 * migrator from migrations kept in code, so a published package needs no migration files
 * on disk. Timestamps are ISO text: the same in every dialect, and sortable.
 */
const MIGRATIONS: Readonly<Record<string, Knex.Migration>> = {
  '0001_ledger': {
    async up(knex) {
      await knex.schema.createTable('dsync_runs', (t) => {
        t.string('id', 64).primary();
        t.text('source_ids').notNullable();
        t.string('status', 16).notNullable();
        t.string('started_at', 32).notNullable();
        t.string('ended_at', 32);
        t.string('reason_code', 64);
        t.text('reason_message');
        t.string('resume_after', 32);
      });
      await knex.schema.createTable('dsync_tasks', (t) => {
        t.string('source_id', 128).notNullable();
        t.string('key', 512).notNullable();
        t.string('run_id', 64).notNullable();
        t.text('args').notNullable();
        t.string('status', 16).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.bigInteger('rows').notNullable().defaultTo(0);
        t.string('last_error_code', 64);
        t.text('last_error_message');
        t.string('worker', 128);
        t.string('created_at', 32).notNullable();
        t.string('updated_at', 32).notNullable();
        t.primary(['source_id', 'key']);
        t.index(['source_id', 'status']);
        t.index(['run_id']);
      });
      await knex.schema.createTable('dsync_sources', (t) => {
        t.string('source_id', 128).primary();
        t.string('cursor', 10);
        t.string('last_synced_at', 32);
      });
      await knex.schema.createTable('dsync_quota', (t) => {
        t.string('scope', 255).notNullable();
        t.string('day', 10).notNullable();
        t.bigInteger('used').notNullable().defaultTo(0);
        t.primary(['scope', 'day']);
      });
    },
    async down(knex) {
      for (const table of ['dsync_quota', 'dsync_sources', 'dsync_tasks', 'dsync_runs'])
        await knex.schema.dropTableIfExists(table);
    },
  },
};

class InCodeMigrations implements Knex.MigrationSource<string> {
  getMigrations(): Promise<string[]> {
    return Promise.resolve(Object.keys(MIGRATIONS).sort());
  }
  getMigrationName(migration: string): string {
    return migration;
  }
  getMigration(migration: string): Promise<Knex.Migration> {
    return Promise.resolve(MIGRATIONS[migration] as Knex.Migration);
  }
}

/** How often a migration that lost a race with another process's is tried again. */
const MIGRATION_ATTEMPTS = 10;

/**
 * What a process sees when another one migrates the same database at the same moment: Knex
 * creates its own two tables (and the lock row) before taking its lock, so the loser of that
 * race fails to create them (`already exists`, or PostgreSQL's duplicate type key), or finds
 * the lock taken.
 */
const LOST_RACE = /already exists|duplicate key|Duplicate entry|already locked/i;

/**
 * Brings dsync's tables to the latest version. Processes of a deployment that start together
 * on an empty database race to migrate it: the loser waits and looks again, and finds it done.
 */
export async function migrateLedger(knex: Knex): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({
        migrationSource: new InCodeMigrations(),
        tableName: 'dsync_migrations',
      });
      return;
    } catch (error) {
      if (attempt >= MIGRATION_ATTEMPTS || !LOST_RACE.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 50));
    }
  }
}
