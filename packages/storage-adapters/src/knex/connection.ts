import { dirname, resolve } from 'node:path';
import { DsyncError, makeDirectory, redactUrl } from '@dsync/datasource';
import knex, { type Knex } from 'knex';
import { StorageError } from '../errors.js';
import { DIALECTS, type Dialect } from './dialect.js';

/** A Knex connection with what dsync needs to know of it. */
export interface Connection {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** The URL without its password, for names and errors. */
  readonly target: string;
  /** Whether dsync opened the Knex instance (and so closes it). */
  readonly owned: boolean;
}

// node-postgres turns DATE into a local-time JS Date (a day off east of UTC) and INT8 into a
// string: keep dates as their text and parse 64-bit integers, per connection, not globally.
const PG_DATE = 1082;
const PG_INT8 = 20;

async function pgTypes(): Promise<{ getTypeParser: (oid: number, format?: string) => unknown }> {
  const pg = (await import('pg')).default;
  return {
    getTypeParser(oid: number, format?: string) {
      if (oid === PG_DATE) return (text: string) => text;
      if (oid === PG_INT8) return (text: string) => Number(text);
      return pg.types.getTypeParser(oid, format as 'text') as unknown;
    },
  };
}

/** The dialect a storage URL names. */
export function dialectOf(url: string): Dialect {
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
    case 'file':
      return DIALECTS.sqlite;
    case 'postgres':
    case 'postgresql':
      return DIALECTS.postgres;
    case 'mysql':
    case 'mariadb':
      return DIALECTS.mysql;
    default:
      throw new DsyncError(
        'E_STORAGE_URL',
        `Unknown storage URL "${redactUrl(url)}": expected sqlite:<file>, postgres://… or mysql://… (mariadb://…)`,
      );
  }
}

/** `sqlite:./data.db`, `sqlite::memory:`, `postgres://…`, `mysql://…`: a Knex instance for it. */
export async function openConnection(url: string): Promise<Connection> {
  const dialect = dialectOf(url);
  const target = redactUrl(url);
  let config: Knex.Config;
  if (dialect.name === 'sqlite') {
    const filename = url.replace(/^(sqlite|file):(\/\/)?/i, '') || ':memory:';
    // A new database in a folder that does not exist yet: make the folder, as a file sink does.
    if (filename !== ':memory:') {
      const folder = dirname(resolve(filename));
      try {
        await makeDirectory(folder);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new StorageError(target, `cannot create the database's folder ${folder}: ${why}`, {
          cause: error,
        });
      }
    }
    config = {
      client: dialect.client,
      connection: { filename },
      useNullAsDefault: true,
      pool: {
        // WAL with synchronous=NORMAL: a commit no longer waits for an fsync of the whole
        // journal (it was most of a task's time), and the database cannot be corrupted; a
        // power cut may lose the last commits, which a resumed run fetches again.
        afterCreate(
          connection: { pragma(sql: string): unknown },
          done: (error: Error | null, connection: unknown) => void,
        ) {
          if (filename !== ':memory:') connection.pragma('journal_mode = WAL');
          connection.pragma('synchronous = NORMAL');
          done(null, connection);
        },
      },
    };
  } else if (dialect.name === 'postgres') {
    config = {
      client: dialect.client,
      connection: { connectionString: url, types: await pgTypes() },
    };
  } else {
    const mysqlUrl = url.replace(/^mariadb:/i, 'mysql:');
    config = {
      client: dialect.client,
      connection: {
        uri: mysqlUrl,
        dateStrings: true,
        supportBigNumbers: true,
        charset: 'utf8mb4',
      },
    };
  }
  // Knex prints pool errors to the console itself; they reach the caller as errors anyway.
  const log = {
    warn: () => undefined,
    error: () => undefined,
    deprecate: () => undefined,
    debug: () => undefined,
  };
  return { knex: knex({ ...config, log }), dialect, target, owned: true };
}

/** Wraps an existing Knex instance (the caller keeps owning it). */
export function wrapConnection(instance: Knex): Connection {
  const config = (instance.client as { config: { client?: unknown } }).config;
  const client = typeof config.client === 'string' ? config.client : '';
  const dialect = /sqlite/.test(client)
    ? DIALECTS.sqlite
    : /pg|postgres/.test(client)
      ? DIALECTS.postgres
      : /mysql/.test(client)
        ? DIALECTS.mysql
        : undefined;
  if (dialect === undefined)
    throw new DsyncError(
      'E_STORAGE_URL',
      `Unsupported Knex client "${client}": dsync speaks better-sqlite3, pg and mysql2`,
    );
  return { knex: instance, dialect, target: `knex:${client}`, owned: false };
}
