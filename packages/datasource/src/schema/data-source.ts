import { z } from 'zod';
import { EXCHANGE_CALENDARS } from '../calendars/exchange-calendars.js';
import { PROVIDER_PROFILES, PROVIDERS } from '../providers.js';
import { argStrategySchema, keySourceSchema, strategyParams } from './arg-strategy.js';
import { fieldSchema } from './field.js';
import { paginationParams, paginationSchema, type Pagination } from './pagination.js';
import { paramSpecSchema, templatePlaceholders } from './params.js';
import { publicationSchema, resolvePublication } from './publication.js';
import {
  cronSchema,
  durationSchema,
  identifierSchema,
  isoDateSchema,
  paramNameSchema,
  sourceIdSchema,
  timezoneSchema,
} from './primitives.js';

export const WRITE_MODES = ['upsert', 'append', 'replace-window'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

/** Where and how rows are stored. */
export const storageTargetSchema = z.strictObject({
  /** @default the id with every non-word character turned into `_`, lower-cased */
  table: identifierSchema.optional(),
  /**
   * - `upsert` (default): insert or update by primary key; a redelivered batch changes nothing.
   * - `append`: insert only, for sources without a natural key.
   * - `replace-window`: delete the request window's rows, then insert, in one transaction.
   */
  writeMode: z.enum(WRITE_MODES).default('upsert'),
  /** The date field a `replace-window` write deletes by. */
  windowField: identifierSchema.optional(),
});

/** When a source counts as stale, and from when its data starts. */
export const syncPolicySchema = z.strictObject({
  /** The first date to fetch when nothing is stored yet. */
  since: isoDateSchema.optional(),
  /** A cron expression: the source is due again at each fire time after its last sync. */
  schedule: cronSchema.optional(),
  /** @default the provider's market time zone (Asia/Shanghai, America/New_York) */
  timezone: timezoneSchema.optional(),
  /** The source is stale when its last sync is older than this (e.g. "1d"). */
  freshness: durationSchema.optional(),
  /** @deprecated Replaced by `publication.from`: refused with a message that says so. */
  availableAfter: z.unknown().optional(),
});

/**
 * The grid a complete table fills, for gap audits: one row per open day (or report period)
 * of `dateField`, times one per key of `keyField` listed that day. Keys come from `keys`, or
 * from the fan-out's key source; open days from the stored trade calendar, or `calendar`.
 */
export const coverageSchema = z.strictObject({
  dateField: identifierSchema,
  keyField: identifierSchema.optional(),
  keys: keySourceSchema.optional(),
  /**
   * The exchange whose open days the grid has, for a source whose requests are date windows
   * (it reads no stored calendar): `XNYS`, or `weekdays`. @default weekdays
   */
  calendar: z.enum(EXCHANGE_CALENDARS).optional(),
});

/** Per-source limits that override the account's. */
export const sourceLimitsSchema = z.strictObject({
  perMinute: z.int().min(1).optional(),
  perHour: z.int().min(1).optional(),
  perDay: z.int().min(1).optional(),
  maxConcurrent: z.int().min(1).optional(),
});

const dataSourceObjectSchema = z.strictObject({
  id: sourceIdSchema,
  provider: z.enum(PROVIDERS),
  /** Tushare: the `api_name` (`daily`). NDL: `datasets/{db}/{code}` or `datatables/{vendor}/{table}`. */
  api: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  /** The provider's documentation page for this data set. */
  docs: z.url().optional(),
  fields: z.array(fieldSchema).min(1),
  primaryKey: z.array(identifierSchema).min(1),
  /** @default {} */
  params: z.record(paramNameSchema, paramSpecSchema).default({}),
  /** @default { kind: 'once' } */
  args: argStrategySchema.default({ kind: 'once' }),
  /** @default offset paging at the row cap for Tushare, none for NDL */
  pagination: paginationSchema.optional(),
  /** The most rows one call returns; the provider cuts silently beyond it. */
  rowCap: z.int().min(1).optional(),
  /** @default {} */
  storage: storageTargetSchema.default({ writeMode: 'upsert' }),
  /** @default {} */
  sync: syncPolicySchema.default({}),
  /** When a day's data appears and how long it may still change. @default the provider's */
  publication: publicationSchema.optional(),
  limits: sourceLimitsSchema.optional(),
  /** What a complete table holds, for gap audits. */
  coverage: coverageSchema.optional(),
  /** Sources that must be synced first, besides those the arg strategy reads. @default [] */
  dependsOn: z.array(sourceIdSchema).default([]),
  /** Bumped when the stored shape changes incompatibly; travels with every batch. @default 1 */
  schemaVersion: z.int().min(1).default(1),
});

type ParsedObject = z.output<typeof dataSourceObjectSchema>;

function checkConsistency(source: ParsedObject, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const profile = PROVIDER_PROFILES[source.provider];
  if (!profile.apiPattern.test(source.api)) {
    issue(
      ['api'],
      `not a ${source.provider} api; expected something like ${profile.apiExample}, got "${source.api}"`,
    );
  }

  if (source.sync.availableAfter !== undefined) {
    issue(
      ['sync', 'availableAfter'],
      "replaced by publication.from (the earliest time a day's data appears) and publication.by (when it is out on a usual day)",
    );
  }
  const { publication } = source;
  if (
    publication?.from !== undefined &&
    publication.by !== undefined &&
    publication.by < publication.from
  ) {
    issue(
      ['publication', 'by'],
      `${publication.by} is before publication.from (${publication.from}): a day's data is out by a time after it first appears`,
    );
  }

  const fieldNames = new Map<string, number>();
  source.fields.forEach((field, i) => {
    if (fieldNames.has(field.name)) issue(['fields', i, 'name'], `duplicate field "${field.name}"`);
    fieldNames.set(field.name, i);
  });
  source.primaryKey.forEach((key, i) => {
    if (!fieldNames.has(key)) issue(['primaryKey', i], `"${key}" is not one of the fields`);
  });

  const { storage } = source;
  if (storage.writeMode === 'replace-window') {
    const index =
      storage.windowField === undefined ? undefined : fieldNames.get(storage.windowField);
    const type = index === undefined ? undefined : source.fields[index]?.type;
    if (type !== 'date' && type !== 'datetime') {
      issue(
        ['storage', 'windowField'],
        'replace-window needs windowField naming a date or datetime field',
      );
    }
  }

  const pagination = effectivePagination(source);
  const setByStrategy = new Set(strategyParams(source.args));
  const setByPaging = new Set(paginationParams(pagination));
  for (const [name, spec] of Object.entries(source.params)) {
    if (spec.kind === 'input' && spec.required && !setByStrategy.has(name)) {
      issue(
        ['params', name],
        `required, but the "${source.args.kind}" arg strategy does not set it`,
      );
    }
    if (spec.kind !== 'input' && setByStrategy.has(name)) {
      issue(
        ['params', name],
        `set by the "${source.args.kind}" arg strategy; it cannot also be ${spec.kind}`,
      );
    }
    if (setByPaging.has(name)) issue(['params', name], 'set by pagination; remove it from params');
    if (spec.kind === 'template') {
      for (const placeholder of templatePlaceholders(spec.template)) {
        if (
          placeholder !== name &&
          (placeholder in source.params || setByStrategy.has(placeholder))
        )
          continue;
        issue(
          ['params', name, 'template'],
          `{${placeholder}} names no other parameter of this source`,
        );
      }
    }
  }

  const { rowCap } = source;
  if (pagination.kind !== 'none' && rowCap !== undefined && pagination.pageSize > rowCap) {
    issue(
      ['pagination', 'pageSize'],
      `must not exceed rowCap (${rowCap}): the provider would cut pages silently`,
    );
  }
  if (
    source.args.kind === 'date-window' &&
    source.args.windowDays === undefined &&
    rowCap === undefined
  ) {
    issue(['args', 'rowsPerDay'], 'sizing windows by rowsPerDay needs the source to have a rowCap');
  }
  const { coverage } = source;
  if (coverage !== undefined) {
    for (const key of ['dateField', 'keyField'] as const) {
      const name = coverage[key];
      if (name !== undefined && !fieldNames.has(name))
        issue(['coverage', key], `"${name}" is not one of the fields`);
    }
    if (
      coverage.keyField !== undefined &&
      coverage.keys === undefined &&
      source.args.kind !== 'fan-out'
    ) {
      issue(['coverage', 'keys'], 'a keyField needs keys: where the expected keys come from');
    }
  }
  source.dependsOn.forEach((dep, i) => {
    if (dep === source.id) issue(['dependsOn', i], 'a source cannot depend on itself');
  });
}

/** Tushare cuts answers silently at the row cap, so its sources page at the cap unless told otherwise. */
function effectivePagination(source: ParsedObject): Pagination {
  if (source.pagination !== undefined) return source.pagination;
  return source.provider === 'tushare' && source.rowCap !== undefined
    ? { kind: 'offset', limitParam: 'limit', offsetParam: 'offset', pageSize: source.rowCap }
    : { kind: 'none' };
}

/** Fills what the definition left to defaults, so the rest of dsync reads one resolved form. */
function resolve(source: ParsedObject) {
  const profile = PROVIDER_PROFILES[source.provider];
  const { availableAfter: _replaced, ...sync } = source.sync;
  return {
    ...source,
    pagination: effectivePagination(source),
    dateFormat: profile.dateFormat,
    storage: { ...source.storage, table: source.storage.table ?? defaultTableName(source.id) },
    sync: { ...sync, timezone: source.sync.timezone ?? profile.timezone },
    publication: resolvePublication(source.publication, profile.publication, profile.timezone),
  };
}

/** The table a source is stored in when its definition names none: `tushare.daily` → `tushare_daily`. */
export function defaultTableName(id: string): string {
  return id
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .toLowerCase()
    .slice(0, 63);
}

export const dataSourceSchema = dataSourceObjectSchema
  .superRefine(checkConsistency)
  .transform(resolve);

/** A definition as written (defaults optional). */
export type DataSourceInput = z.input<typeof dataSourceSchema>;
/** A validated definition with every default resolved. */
export type DataSource = z.output<typeof dataSourceSchema>;
export type StorageTarget = DataSource['storage'];
export type SyncPolicy = DataSource['sync'];
export type SourceLimits = z.output<typeof sourceLimitsSchema>;
export type Coverage = z.output<typeof coverageSchema>;
