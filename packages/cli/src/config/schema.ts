import { DsyncError } from '@dsync/datasource';
import { redactUrl } from '@dsync/datasource';
import { FILE_FORMATS, type FilePartition } from '@dsync/storage-adapters';
import { ndlBaseUrl, tushareBaseUrl } from '@dsync/synchronizer';
import { z } from 'zod';

/**
 * The shape of `dsync.config.{yaml,yml,json}`. Every key is optional: an empty file (or no
 * file) means SQLite in `dsync.db`, the in-process queue, info logs to stderr, no accounts
 * and no sources. Objects are strict, so a misspelt key is reported instead of ignored.
 * Source entries stay opaque here: `DataSourceRegistry.load` validates them, with its own
 * error messages, against the catalog.
 */

/** The Tushare point tiers whose limits provider-protocols.md §3 documents (see limits.ts). */
export const TUSHARE_TIERS = [120, 2000, 5000, 10000, 15000] as const;
export type TushareTier = (typeof TUSHARE_TIERS)[number];

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// FILE_PARTITIONS is exported as a plain array, which z.enum cannot take; `satisfies` keeps
// this list within what the file sink accepts.
const FILE_PARTITION_VALUES = ['date', 'key', 'none'] as const satisfies readonly FilePartition[];

const DATABASE_PROTOCOLS = ['postgres:', 'postgresql:', 'mysql:', 'mariadb:'];
const AMQP_PROTOCOLS = ['amqp:', 'amqps:'];

/** A value as a message shows it: URLs without their passwords, long values cut. */
const shown = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(redactUrl(value)) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function hasProtocol(text: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `sqlite:<file>` or `sqlite::memory:`; `sqlite://x` is refused because it would name the file `//x`. */
const isStorageUrl = (text: string): boolean =>
  text.startsWith('sqlite:')
    ? text.length > 'sqlite:'.length && !text.startsWith('sqlite://')
    : hasProtocol(text, DATABASE_PROTOCOLS);

const storageUrlSchema = z.string().refine(isStorageUrl, {
  error: (issue) =>
    'expected sqlite:<file>, sqlite::memory:, or a postgres://, postgresql://, mysql:// ' +
    `or mariadb:// URL; got ${shown(issue.input)}`,
});

const filesStorageSchema = z.strictObject({
  files: z.string().min(1).describe('The directory the files are written under.'),
  format: z.enum(FILE_FORMATS).default('csv'),
  partition: z
    .enum(FILE_PARTITION_VALUES)
    .optional()
    .describe('Files per trade date, per key, or one per table.'),
});

const queueUrlSchema = z
  .string()
  .refine((text) => text === 'memory' || hasProtocol(text, AMQP_PROTOCOLS), {
    error: (issue) => `expected memory or an amqp:// or amqps:// URL; got ${shown(issue.input)}`,
  });

const amqpUrlSchema = z.string().refine((text) => hasProtocol(text, AMQP_PROTOCOLS), {
  error: (issue) => `expected an amqp:// or amqps:// URL; got ${shown(issue.input)}`,
});

const redisUrlSchema = z.string().refine((text) => hasProtocol(text, ['redis:', 'rediss:']), {
  error: (issue) => `expected a redis:// or rediss:// URL; got ${shown(issue.input)}`,
});

/** The queue fetch tasks travel on when `distributed.tasks` names none. */
export const DEFAULT_TASK_QUEUE = 'dsync.tasks';

const distributedSchema = z
  .strictObject({
    redis: redisUrlSchema.describe(
      "The Redis every process shares the accounts' limits through: redis://[:password@]host:6379[/db].",
    ),
    prefix: z
      .string()
      .min(1)
      .optional()
      .describe('Prefix of the Redis keys, so deployments can share a Redis (default dsync).'),
    tasks: z
      .union([
        amqpUrlSchema,
        z.strictObject({
          url: amqpUrlSchema.optional(),
          queue: z.string().min(1).optional(),
        }),
      ])
      .optional()
      .describe(
        `The RabbitMQ queue fetch tasks travel on: an amqp:// URL or { url, queue } (default: the queue key's URL, queue ${DEFAULT_TASK_QUEUE}).`,
      ),
  })
  .describe(
    'Distributed mode: dsync sync queues tasks for dsync worker --fetch processes, which share one quota through Redis.',
  );

const httpUrlSchema = z.string().refine((text) => hasProtocol(text, ['http:', 'https:']), {
  error: (issue) => `expected an http:// or https:// URL; got ${shown(issue.input)}`,
});

/**
 * An http(s) URL that the client's own rule (`tushareBaseUrl`, `ndlBaseUrl`) normalises or
 * refuses, so a missing or doubled API path fails at load, with the expected form.
 */
const baseUrlSchema = (normalise: (url: string) => string) =>
  httpUrlSchema.transform((url, context) => {
    try {
      return normalise(url);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message, input: url });
      return z.NEVER;
    }
  });

const positiveInt = z.int().min(1);

/** What every account has besides its credential and limits; `baseUrl` is the provider's. */
const accountFields = <BaseUrl extends z.ZodType>(baseUrl: BaseUrl) => ({
  label: z
    .string()
    .min(1)
    .optional()
    .describe('How the account shows in logs and the ledger (never the credential).'),
  baseUrl,
  timeoutMs: positiveInt.optional().describe('How long one request may take.'),
});

const tushareAccountSchema = z.strictObject({
  token: z
    .string()
    .min(1)
    .describe('The Tushare Pro token; write ${TUSHARE_TOKEN}, not the token.'),
  ...accountFields(
    baseUrlSchema(tushareBaseUrl)
      .optional()
      .describe(
        "The API's address (default http://api.tushare.pro); for a local sandbox, the tushare.baseUrl its start line prints.",
      ),
  ),
  tier: z
    .literal(TUSHARE_TIERS)
    .optional()
    .describe("Your Tushare points: sets that tier's documented limits (default 2000)."),
  limits: z
    .strictObject({
      perMinute: positiveInt.optional(),
      perDay: positiveInt.optional(),
      maxConcurrent: positiveInt.optional(),
      accountPerMinute: positiveInt
        .optional()
        .describe(
          'Calls a minute of every interface together, for an account capped as a whole as well (Tushare documents no such cap; default none).',
        ),
    })
    .optional()
    .describe("Overrides of the tier's limits, per interface (accountPerMinute: the account's)."),
});

const ndlAccountSchema = z.strictObject({
  apiKey: z.string().min(1).describe('The Nasdaq Data Link API key; write ${NDL_API_KEY}.'),
  ...accountFields(
    baseUrlSchema(ndlBaseUrl)
      .optional()
      .describe(
        "The API's address, ending in /api/v3 (default https://data.nasdaq.com/api/v3); for a local sandbox, the ndl.baseUrl its start line prints.",
      ),
  ),
  premium: z.boolean().optional().describe('Premium key limits instead of free-key limits.'),
  limits: z
    .strictObject({
      per10Seconds: positiveInt.optional(),
      per10Minutes: positiveInt.optional(),
      perDay: positiveInt.optional(),
      maxConcurrent: positiveInt.optional(),
    })
    .optional()
    .describe('Overrides of the documented limits, per account.'),
});

export const configSchema = z
  .strictObject({
    // Lets a JSON config name its JSON schema, as YAML does in a comment.
    $schema: z.string().optional(),
    storage: z
      .union([storageUrlSchema, filesStorageSchema])
      .default('sqlite:dsync.db')
      .describe(
        'sqlite:<file>, sqlite::memory:, postgres://…, mysql://…, mariadb://…, or { files: <dir> }. ' +
          'Relative paths are relative to this file.',
      ),
    queue: z
      .union([
        queueUrlSchema,
        z.strictObject({
          url: amqpUrlSchema,
          exchange: z.string().min(1).optional(),
          queue: z.string().min(1).optional(),
          awaitStored: z
            .boolean()
            .optional()
            .describe(
              'Whether dsync worker stores this queue and marks each batch stored in the ledger ' +
                '(default true): a distributed sync moves a cursor only then. false when another ' +
                'program consumes the queue.',
            ),
        }),
      ])
      .default('memory')
      .describe(
        'memory (in-process), or a RabbitMQ URL amqp://… / amqps://…, or { url, exchange, queue, awaitStored }.',
      ),
    log: z
      .strictObject({
        level: z.enum(LOG_LEVELS).default('info'),
        file: z.string().min(1).optional().describe('Where logs go (default: stderr).'),
      })
      .default({ level: 'info' }),
    accounts: z
      .strictObject({
        tushare: tushareAccountSchema.optional(),
        ndl: ndlAccountSchema.optional(),
      })
      // Not default({}): the JSON schema drops a default above a transform (baseUrl's), and {}
      // parses to {} either way.
      .prefault({}),
    sources: z
      .array(z.union([z.string().min(1), z.record(z.string(), z.unknown())]))
      .default([])
      .describe(
        'Catalog ids (tushare.daily), catalog entries with overrides ({ extends: tushare.daily, ... }), ' +
          'or definitions of your own ({ id: my.source, ... }).',
      ),
    distributed: distributedSchema.optional(),
  })
  .superRefine((config, context) => {
    if (config.distributed === undefined) return;
    const { storage, queue } = config;
    if (typeof storage !== 'string' || storage.startsWith('sqlite:'))
      context.addIssue({
        code: 'custom',
        path: ['storage'],
        message:
          'distributed mode (the distributed key) needs a postgres://, postgresql://, mysql:// or mariadb:// ' +
          'URL: the ledger is shared by processes on several machines; got ' +
          (typeof storage === 'string' ? shown(storage) : 'files'),
      });
    if (queue === 'memory')
      context.addIssue({
        code: 'custom',
        path: ['queue'],
        message:
          'distributed mode (the distributed key) needs an amqp:// or amqps:// URL: fetch workers send ' +
          'rows through RabbitMQ to dsync worker, which stores them; got "memory"',
      });
  });

/** The configuration with defaults applied (and, from loadConfig, relative paths resolved). */
export type DsyncConfig = z.output<typeof configSchema>;
export type DsyncConfigInput = z.input<typeof configSchema>;
export type TushareAccount = NonNullable<DsyncConfig['accounts']['tushare']>;
export type NdlAccount = NonNullable<DsyncConfig['accounts']['ndl']>;
export type StorageConfig = DsyncConfig['storage'];
export type QueueConfig = DsyncConfig['queue'];
export type DistributedConfig = NonNullable<DsyncConfig['distributed']>;

/** One problem in a config file: where (a key path, or a line and column) and what. */
export interface ConfigIssue {
  /** `accounts.tushare.token`, `sources[2]`; undefined for the document as a whole. */
  readonly keyPath?: string;
  /** 1-based, for syntax errors. */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/**
 * The configuration cannot be used. The message has one line per issue,
 * `<file>: <key.path>: <what is wrong>` (`<file>: line <n>, column <n>: …` for syntax errors), and
 * never holds a credential.
 */
export class ConfigError extends DsyncError {
  /** The absolute path of the file at fault; undefined when there is none. */
  readonly file: string | undefined;
  /** The first issue's key path. */
  readonly keyPath: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string | undefined, issues: readonly ConfigIssue[]) {
    super('E_CONFIG', issues.map((issue) => issueLine(file, issue)).join('\n'));
    this.file = file;
    this.keyPath = issues[0]?.keyPath;
    this.issues = issues;
  }
}

function issueLine(file: string | undefined, issue: ConfigIssue): string {
  const where =
    issue.line === undefined ? issue.keyPath : `line ${issue.line}, column ${issue.column ?? 1}`;
  return [file, where, issue.message].filter((part) => part !== undefined).join(': ');
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(value);
  return EXPECTED[typeof value] ?? typeof value;
}

/**
 * zod's issues as lines a person can act on. Values are echoed only where they cannot be
 * a credential (enum choices, URLs with their passwords hidden); types are named instead.
 * Needs the issues parsed with `reportInput: true`.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
      case 'invalid_type':
        return [
          {
            path,
            message:
              issue.input === undefined
                ? 'required'
                : `expected ${EXPECTED[issue.expected] ?? issue.expected}; got ${typeName(issue.input)}`,
          },
        ];
      case 'invalid_value':
        return [
          {
            path,
            message: `expected one of ${issue.values.map(String).join(', ')}; got ${shown(issue.input)}`,
          },
        ];
      case 'too_small':
        return [
          {
            path,
            message:
              issue.origin === 'string'
                ? 'must not be empty'
                : `expected a number ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`,
          },
        ];
      case 'invalid_union':
        return describeUnion(issue, path);
      default:
        return [{ path, message: issue.message }];
    }
  });
}

/**
 * A union's issues: those of the branch the value's type matched (a mapping given for
 * `storage` is checked as files storage), else the types every branch expects.
 */
function describeUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: PropertyKey[],
): { path: PropertyKey[]; message: string }[] {
  const typeMismatch = (branch: readonly z.core.$ZodIssue[]) =>
    branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
  const matched = issue.errors.filter((branch) => !typeMismatch(branch));
  const best = [...matched].sort((a, b) => a.length - b.length)[0];
  if (best !== undefined) return describeIssues(best, path);
  const expected = issue.errors.flatMap((branch) =>
    branch[0]?.code === 'invalid_type' ? [EXPECTED[branch[0].expected] ?? branch[0].expected] : [],
  );
  return [
    {
      path,
      message: `expected ${[...new Set(expected)].join(' or ')}; got ${typeName(issue.input)}`,
    },
  ];
}
