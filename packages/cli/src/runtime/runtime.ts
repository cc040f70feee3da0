import { join } from 'node:path';
import {
  DsyncError,
  type DataSource,
  type DataSourceRegistry,
  type Provider,
  redactUrl,
} from '@dsync/datasource';
import {
  createRabbitTaskQueue,
  createStorage,
  type KnexStorage,
  type RabbitTaskQueue,
} from '@dsync/storage-adapters';
import {
  createNdlClient,
  createTushareClient,
  NDL_BASE_URL,
  RedisLimits,
  RedisRunEvents,
  SyncController,
  TUSHARE_BASE_URL,
  type AccountConfig,
  type ProviderClient,
} from '@dsync/synchronizer';
import { accountLimits, type DsyncConfig, type LoadedConfig } from '../config/index.js';
import { distributedSettings, type DistributedSettings } from './distributed.js';
import { createRunSink, type Destination, type RunSink } from './sinks.js';
import { loadRegistry } from './sources.js';

/** Where a provider's credential comes from when the config file does not name one. */
export const CREDENTIAL_VARIABLES: Readonly<Record<Provider, string>> = {
  tushare: 'TUSHARE_TOKEN',
  ndl: 'NDL_API_KEY',
};

const DEFAULT_BASE_URLS: Readonly<Record<Provider, string>> = {
  tushare: TUSHARE_BASE_URL,
  ndl: NDL_BASE_URL,
};

/** Everything a command needs, built from the configuration. */
export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly registry: DataSourceRegistry;
  /** The database: the ledger, and the data unless it goes to files or a queue. */
  readonly storage: KnexStorage;
  readonly controller: SyncController;
  /** Where rows go: the database, files, or the RabbitMQ queue a `dsync worker` drains. */
  readonly sink: RunSink;
  readonly clients: Partial<Record<Provider, ProviderClient>>;
  readonly accounts: Partial<Record<Provider, AccountConfig>>;
  /** Distributed mode's Redis and task queue; undefined when one process does everything. */
  readonly distributed: DistributedSettings | undefined;
  /** The queue of fetch tasks (distributed mode), opened on first use and closed with the runtime. */
  taskQueue(): RabbitTaskQueue;
  /** The limits shared through Redis (distributed mode), connected on first use. */
  sharedLimits(): Promise<RedisLimits>;
  /** Where fetch workers tell a run's events and `dsync sync` hears them (distributed mode's Redis). */
  runEvents(): Promise<RedisRunEvents>;
  /**
   * The name this process's connection of `role` shows on the broker or Redis server:
   * `dsync <worker> <role>` (`dsync:<worker>:<role>` on Redis, which takes no spaces), so an
   * operator can tell a worker's connections apart; `dsync` when the runtime names no worker.
   */
  connectionName(role: string, server?: 'rabbitmq' | 'redis'): string;
  /** The credentials in use, so output can be scrubbed of them (URLs: their passwords). */
  readonly secrets: readonly string[];
  /** @throws DsyncError `E_NO_TOKEN` naming the variable to set, when a source's provider has no credential */
  requireCredentials(sources: readonly DataSource[]): void;
  /** The address a provider's client calls, without credentials: for messages. */
  baseUrlOf(provider: Provider): string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly loaded: LoadedConfig;
  readonly env: NodeJS.ProcessEnv;
  /** Source ids named on the command line: catalog ids the config does not list are added. */
  readonly ids?: readonly string[];
  /** Recorded in the ledger with each task. */
  readonly worker?: string;
}

/** See `Runtime.connectionName`. */
function connectionNameOf(
  worker: string | undefined,
  role: string,
  server: 'rabbitmq' | 'redis' = 'rabbitmq',
): string {
  if (worker === undefined) return 'dsync';
  return server === 'redis'
    ? `dsync:${worker.replaceAll(/\s/g, '_')}:${role}`
    : `dsync ${worker} ${role}`;
}

function destinationOf(
  config: DsyncConfig,
  worker: string | undefined,
): { url: string; destination: Destination } {
  const { storage, queue } = config;
  if (typeof storage !== 'string') {
    // Files hold the data; the ledger (and what arg generation reads back) sits beside them.
    return {
      url: `sqlite:${join(storage.files, 'dsync-ledger.db')}`,
      destination: {
        kind: 'files',
        root: storage.files,
        ...(storage.format === undefined ? {} : { format: storage.format }),
        ...(storage.partition === undefined ? {} : { partition: storage.partition }),
      },
    };
  }
  if (queue === 'memory') return { url: storage, destination: { kind: 'database' } };
  const amqp = typeof queue === 'string' ? { url: queue } : queue;
  return {
    url: storage,
    destination: { kind: 'amqp', ...amqp, connectionName: connectionNameOf(worker, 'batches') },
  };
}

interface Credentials {
  readonly tushare?: { token: string; baseUrl?: string; timeoutMs?: number };
  readonly ndl?: { apiKey: string; baseUrl?: string; timeoutMs?: number };
}

function credentialsOf(config: DsyncConfig, env: NodeJS.ProcessEnv): Credentials {
  const { tushare, ndl } = config.accounts;
  const token = tushare?.token ?? env[CREDENTIAL_VARIABLES.tushare];
  const apiKey = ndl?.apiKey ?? env[CREDENTIAL_VARIABLES.ndl];
  const where = (
    a: { baseUrl?: string | undefined; timeoutMs?: number | undefined } | undefined,
  ) => ({
    ...(a?.baseUrl === undefined ? {} : { baseUrl: a.baseUrl }),
    ...(a?.timeoutMs === undefined ? {} : { timeoutMs: a.timeoutMs }),
  });
  return {
    ...(token === undefined || token === '' ? {} : { tushare: { token, ...where(tushare) } }),
    ...(apiKey === undefined || apiKey === '' ? {} : { ndl: { apiKey, ...where(ndl) } }),
  };
}

/** A client, or a usage error naming where its credential came from when the client refuses it. */
function clientOf(provider: Provider, create: () => ProviderClient, file: string): ProviderClient {
  try {
    return create();
  } catch (error) {
    const key = provider === 'tushare' ? 'token' : 'apiKey';
    throw new DsyncError(
      'E_CONFIG',
      `accounts.${provider}.${key} in ${file} (or $${CREDENTIAL_VARIABLES[provider]}): ${(error as Error).message}`,
    );
  }
}

function clientsOf(
  credentials: Credentials,
  file: string,
): Partial<Record<Provider, ProviderClient>> {
  const { tushare, ndl } = credentials;
  return {
    ...(tushare === undefined
      ? {}
      : { tushare: clientOf('tushare', () => createTushareClient(tushare), file) }),
    ...(ndl === undefined ? {} : { ndl: clientOf('ndl', () => createNdlClient(ndl), file) }),
  };
}

function accountsOf(config: DsyncConfig): Partial<Record<Provider, AccountConfig>> {
  const out: Partial<Record<Provider, AccountConfig>> = {};
  for (const provider of ['tushare', 'ndl'] as const) {
    const account = config.accounts[provider];
    out[provider] = {
      limits: accountLimits(provider, account ?? {}),
      ...(account?.label === undefined ? {} : { label: account.label }),
    };
  }
  return out;
}

/** How long connecting to Redis may take before the command fails, naming it. */
const REDIS_CONNECT_TIMEOUT_MS = 30_000;

/** Connects one of distributed mode's Redis clients, failing with `E_REDIS` naming the (redacted) URL. */
async function connectRedis<T extends { ready(): Promise<void>; close(): Promise<void> }>(
  settings: DistributedSettings,
  client: T,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DsyncError(
            'E_REDIS',
            `Redis at ${redactUrl(settings.redis)} did not answer within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s (config: distributed.redis).`,
          ),
        ),
      REDIS_CONNECT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([client.ready(), timeout]);
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One of distributed mode's Redis clients, connected on first use (`connect`, refused with
 * `E_CONFIG` without the `distributed` key) and closed with the runtime if it was.
 */
function lazyRedis<T extends { ready(): Promise<void>; close(): Promise<void> }>(
  settings: DistributedSettings | undefined,
  missing: string,
  what: string,
  make: (settings: DistributedSettings) => T,
): { readonly connect: () => Promise<T>; readonly close: () => Promise<void> } {
  let client: Promise<T> | undefined;
  return {
    connect: () =>
      settings === undefined
        ? Promise.reject(new DsyncError('E_CONFIG', `No ${what}: ${missing}.`))
        : (client ??= connectRedis(settings, make(settings))),
    close: async () => (await client?.catch(() => undefined))?.close(),
  };
}

/**
 * Builds the registry, storage, clients and controller a command works with, and opens the
 * database (migrating its ledger tables), so an unreachable one fails here.
 */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options.loaded;
  const registry = loadRegistry(config.sources, options.ids);
  const { worker } = options;
  const { url, destination } = destinationOf(config, worker);
  const credentials = credentialsOf(config, options.env);
  const file = options.loaded.path ?? 'dsync.config.yaml';
  // Before the database opens: a refused credential must not leave a connection holding the process.
  const clients = clientsOf(credentials, file);
  const storage = createStorage({ url });
  await storage.ready();
  const sink = createRunSink(destination, storage, registry);
  const accounts = accountsOf(config);
  const controller = new SyncController({
    registry,
    storage: {
      sink,
      checkpoints: storage.checkpoints,
      argContext: (sourceOf) => storage.argContext(sourceOf),
      countRows: (source) => storage.countRows(source),
      latestDate: (source, field) => storage.latestDate(source, field),
      readRows: (source, page) => storage.readRows(source, page),
      // Tables in the database: refused before a run while they keep numbers the 0.1 way.
      ...(sink === storage ? { check: (sources) => storage.check(sources) } : {}),
    },
    clients,
    accounts,
    ...(options.worker === undefined ? {} : { worker: options.worker }),
  });
  const distributed = distributedSettings(config);
  let taskQueue: RabbitTaskQueue | undefined;
  const shared = lazyRedis(
    distributed,
    `${file} has no distributed key`,
    'shared limits',
    (s) =>
      new RedisLimits({
        url: s.redis,
        prefix: s.prefix,
        connectionName: connectionNameOf(worker, 'limits', 'redis'),
      }),
  );
  const events = lazyRedis(
    distributed,
    `${file} has no distributed key`,
    'run events',
    (s) =>
      new RedisRunEvents({
        url: s.redis,
        prefix: s.prefix,
        connectionName: connectionNameOf(worker, 'events', 'redis'),
      }),
  );
  const queueUrl = typeof config.queue === 'string' ? config.queue : config.queue.url;
  return {
    loaded: options.loaded,
    registry,
    storage,
    controller,
    sink,
    clients,
    accounts,
    distributed,
    taskQueue() {
      if (distributed === undefined)
        throw new DsyncError('E_CONFIG', `No task queue: ${file} has no distributed key.`);
      taskQueue ??= createRabbitTaskQueue({
        url: distributed.tasks.url,
        queue: distributed.tasks.queue,
        connectionName: connectionNameOf(worker, 'tasks'),
      });
      return taskQueue;
    },
    sharedLimits: shared.connect,
    runEvents: events.connect,
    connectionName: (role, server) => connectionNameOf(worker, role, server),
    // URLs stand for their passwords (redactText hides a URL's password, wherever it shows).
    secrets: [
      credentials.tushare?.token,
      credentials.ndl?.apiKey,
      url,
      queueUrl,
      distributed?.redis,
      distributed?.tasks.url,
    ].filter((s): s is string => s !== undefined && s !== 'memory'),
    requireCredentials(sources) {
      for (const source of sources) {
        if (credentials[source.provider] !== undefined) continue;
        const variable = CREDENTIAL_VARIABLES[source.provider];
        const key = source.provider === 'tushare' ? 'token' : 'apiKey';
        throw new DsyncError(
          'E_NO_TOKEN',
          `${source.id} needs a ${source.provider === 'tushare' ? 'Tushare token' : 'Nasdaq Data Link API key'}: ` +
            `export ${variable}=<yours>, or set accounts.${source.provider}.${key} in ${file} ` +
            `(e.g. ${key}: \${${variable}}).`,
        );
      }
    },
    baseUrlOf: (provider) =>
      redactUrl(config.accounts[provider]?.baseUrl ?? DEFAULT_BASE_URLS[provider]),
    async close() {
      await taskQueue?.close();
      await shared.close();
      await events.close();
      await sink.close();
      if (sink !== storage) await storage.close();
    },
  };
}
