import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';

/**
 * A fresh, empty database per test file on each dialect: a temporary SQLite file, or a
 * new database on the machine's PostgreSQL and MariaDB. A server that does not answer
 * fails the test with how to start it: tests never skip.
 */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

const SERVERS = {
  postgres: {
    admin: 'postgres://postgres@127.0.0.1:5432/postgres',
    base: 'postgres://postgres@127.0.0.1:5432/',
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  mysql: {
    admin: 'mysql://root@127.0.0.1:3306/',
    base: 'mysql://root@127.0.0.1:3306/',
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
} as const;

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  const name = `dsync_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dsync-sqlite-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const server = SERVERS[dialect];
  const admin = knex({
    client: dialect === 'postgres' ? 'pg' : 'mysql2',
    connection: dialect === 'postgres' ? server.admin : { uri: server.admin },
  });
  try {
    await admin.raw(`create database ${name}`);
  } catch (error) {
    await admin.destroy();
    throw new Error(
      `${dialect} is not reachable at ${server.admin} (${(error as Error).message}); start it: ${server.start}`,
      { cause: error },
    );
  }
  await admin.destroy();
  return {
    url: `${server.base}${name}`,
    async drop() {
      const again = knex({
        client: dialect === 'postgres' ? 'pg' : 'mysql2',
        connection: dialect === 'postgres' ? server.admin : { uri: server.admin },
      });
      await again.raw(
        dialect === 'postgres'
          ? `drop database if exists ${name} with (force)`
          : `drop database if exists ${name}`,
      );
      await again.destroy();
    },
  };
}
