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
  '0002_quota_spent_until': {
    async up(knex) {
      await knex.schema.alterTable('dsync_quota', (t) => {
        t.string('spent_until', 32);
      });
    },
    async down(knex) {
      await knex.schema.alterTable('dsync_quota', (t) => {
        t.dropColumn('spent_until');
      });
    },
  },
  // A digest (64 characters at most: a hex SHA-256) of the settings a source's requests were
  // last sent with: when it changes, the source's dropped tasks are asked again.
  '0003_source_settings': {
    async up(knex) {
      await knex.schema.alterTable('dsync_sources', (t) => {
        t.string('settings', 64);
      });
    },
    async down(knex) {
      await knex.schema.alterTable('dsync_sources', (t) => {
        t.dropColumn('settings');
      });
    },
  },
  // Distributed mode's "done means stored": a task whose batch went to a queue awaits its
  // consumer's receipt, which names the run it stored (a stale redelivery's run differs).
  '0004_task_store_receipts': {
    async up(knex) {
      await knex.schema.alterTable('dsync_tasks', (t) => {
        t.boolean('awaits_store').notNullable().defaultTo(false);
        t.string('stored_run_id', 64);
      });
    },
    async down(knex) {
      await knex.schema.alterTable('dsync_tasks', (t) => {
        t.dropColumn('awaits_store');
        t.dropColumn('stored_run_id');
      });
    },
  },
  // A queued run's settings per source (JSON of digests): a fetch worker whose own differ
  // leaves the source's tasks to the workers that match.
  '0005_run_settings': {
    async up(knex) {
      await knex.schema.alterTable('dsync_runs', (t) => {
        t.text('settings');
      });
    },
    async down(knex) {
      await knex.schema.alterTable('dsync_runs', (t) => {
        t.dropColumn('settings');
      });
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

/** How long a process waits for another one migrating the same database. */
const MIGRATION_WAIT_SECONDS = 120;

/** PostgreSQL's advisory lock key for migrating the ledger (per database): "dsyn". */
const PG_MIGRATION_LOCK = 0x6473796e;

/** Where the migrations come from and where Knex records those done (also for `migrate.up`). */
export const LEDGER_MIGRATIONS: Knex.MigratorConfig = {
  migrationSource: new InCodeMigrations(),
  tableName: 'dsync_migrations',
};

const migrate = (knex: Knex) => knex.migrate.latest(LEDGER_MIGRATIONS);

/**
 * Brings dsync's tables to the latest version, one process at a time. Processes of a
 * deployment that start together on an empty database would otherwise race inside Knex,
 * which creates its own migration tables and the row of its lock before taking that lock:
 * the losers fail on `already exists`, and two lock rows leave the lock unobtainable for
 * good ("Migration table is already locked"). A database lock held in a transaction of its
 * own (PostgreSQL's advisory lock, MySQL's named lock) serializes them: the next one finds
 * the work done.
 */
export async function migrateLedger(knex: Knex): Promise<void> {
  const { dialect } = knex.client as { dialect?: string };
  if (dialect === 'postgresql')
    return knex.transaction(async (trx) => {
      await trx.raw(`set local lock_timeout = '${MIGRATION_WAIT_SECONDS}s'`);
      await trx.raw('select pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
      await migrate(knex);
    });
  if (dialect === 'mysql')
    return knex.transaction(async (trx) => {
      const name = "concat('dsync_migrations:', database())";
      const [rows] = (await trx.raw(`select get_lock(${name}, ?) as got`, [
        MIGRATION_WAIT_SECONDS,
      ])) as [{ got: number | null }[]];
      if (rows[0]?.got !== 1)
        throw new Error(
          `another process has been migrating the ledger for ${MIGRATION_WAIT_SECONDS} s`,
        );
      try {
        await migrate(knex);
      } finally {
        await trx.raw(`select release_lock(${name})`);
      }
    });
  // SQLite: one process at a time already (its file lock).
  await migrate(knex);
}
