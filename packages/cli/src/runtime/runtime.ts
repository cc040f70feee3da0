import { join } from 'node:path';
import {
  DsyncError,
  type DataSource,
  type DataSourceRegistry,
  type Provider,
} from '@dsync/datasource';
import { createStorage, redactUrl, type KnexStorage } from '@dsync/storage-adapters';
import {
  createNdlClient,
  createTushareClient,
  NDL_BASE_URL,
  SyncController,
  TUSHARE_BASE_URL,
  type AccountConfig,
  type ProviderClient,
} from '@dsync/synchronizer';
import { accountLimits, type DsyncConfig, type LoadedConfig } from '../config/index.js';
import { createRunSink, type Destination } from './sinks.js';
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
  /** The credentials in use, so output can be scrubbed of them. */
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

function destinationOf(config: DsyncConfig): { url: string; destination: Destination } {
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
  return { url: storage, destination: { kind: 'amqp', ...amqp } };
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

/**
 * Builds the registry, storage, clients and controller a command works with, and opens the
 * database (migrating its ledger tables), so an unreachable one fails here.
 */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options.loaded;
  const registry = loadRegistry(config.sources, options.ids);
  const { url, destination } = destinationOf(config);
  const credentials = credentialsOf(config, options.env);
  const file = options.loaded.path ?? 'dsync.config.yaml';
  // Before the database opens: a refused credential must not leave a connection holding the process.
  const clients = clientsOf(credentials, file);
  const storage = createStorage({ url });
  await storage.ready();
  const sink = createRunSink(destination, storage, registry);
  const controller = new SyncController({
    registry,
    storage: {
      sink,
      checkpoints: storage.checkpoints,
      argContext: (sourceOf) => storage.argContext(sourceOf),
      countRows: (source) => storage.countRows(source),
    },
    clients,
    accounts: accountsOf(config),
    ...(options.worker === undefined ? {} : { worker: options.worker }),
  });
  return {
    loaded: options.loaded,
    registry,
    storage,
    controller,
    secrets: [credentials.tushare?.token, credentials.ndl?.apiKey].filter(
      (s): s is string => s !== undefined,
    ),
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
      await sink.close();
      if (sink !== storage) await storage.close();
    },
  };
}
