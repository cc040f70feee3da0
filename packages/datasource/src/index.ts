/**
 * @dsync/datasource: the DataSource domain. What a remote data set is and how it is
 * stored (definitions, validated with zod), the built-in Tushare and Nasdaq Data Link
 * catalogs, the registry, and the port types every other dsync package speaks.
 */

// Definitions
export {
  defineDataSource,
  parseDataSource,
  parseDataSources,
  type ParseOptions,
} from './define.js';
export {
  dataSourceSchema,
  defaultTableName,
  WRITE_MODES,
  type DataSource,
  type Coverage,
  type DataSourceInput,
  type SourceLimits,
  type StorageTarget,
  type SyncPolicy,
  type WriteMode,
} from './schema/data-source.js';
export {
  DEFAULT_DECIMAL,
  FIELD_TYPES,
  type Field,
  type FieldInput,
  type FieldType,
} from './schema/field.js';
export { templatePlaceholders, type ParamSpec, type ParamSpecInput } from './schema/params.js';
export {
  ARG_STRATEGY_KINDS,
  strategyDependencies,
  strategyParams,
  type ArgStrategy,
  type ArgStrategyInput,
  type FanOutStrategy,
  type KeySource,
  type LeafArgStrategy,
} from './schema/arg-strategy.js';
export { paginationParams, type Pagination, type PaginationInput } from './schema/pagination.js';
export { parseDuration, toIsoDate, type Scalar } from './schema/primitives.js';
export {
  formatSettle,
  parseSettle,
  type Publication,
  type PublicationDefaults,
  type PublicationInput,
  type Settle,
} from './schema/publication.js';
export {
  PROVIDER_PROFILES,
  PROVIDERS,
  type DateFormat,
  type Provider,
  type ProviderProfile,
} from './providers.js';

// Local time in a provider's zone
export { addMonths, zonedInstant, zonedParts } from './time/zoned-time.js';
/** The one clock type every package injects (`() => number`, as `Date.now`). */
export { systemClock, type Clock } from './time/clock.js';
// Small helpers every package shares: secrets hidden, folders made, waits, binary search, events.
export { redactText, redactUrl } from './support/redact.js';
export { createEmitter, type Emitter } from './support/emitter.js';
export { makeDirectory, makeDirectorySync } from './support/make-directory.js';
export { sleep } from './support/sleep.js';
export { sortedIndex } from './support/sorted-index.js';

// Exchange calendars by rule
export {
  EXCHANGE_CALENDARS,
  exchangeOpenDays,
  isExchangeOpen,
  type ExchangeCalendarId,
} from './calendars/exchange-calendars.js';

// Catalogs
export { builtInCatalog, CATALOG_DEFINITIONS } from './catalog/index.js';
export {
  ndlTable,
  ndlTimeSeries,
  type NdlTableOptions,
  type NdlTimeSeriesOptions,
} from './catalog/ndl.js';

// Registry
export {
  DataSourceRegistry,
  type RegistryOptions,
  type SourceEntry,
  type SourceOverrides,
  type SourceStates,
  type UnsyncedSource,
} from './registry/registry.js';
export { staleness, type StalenessVerdict, type UnsyncedReason } from './registry/staleness.js';

// Errors
export {
  DefinitionError,
  DependencyCycleError,
  DsyncError,
  DuplicateSourceError,
  UnknownSourceError,
  type DefinitionIssue,
} from './errors.js';

// Ports
export {
  argsKey,
  createRequestArgs,
  isFinalAnswer,
  type RequestArgs,
  type RequestParams,
} from './ports/request-args.js';
export { batchIdempotencyKey, requestScope, type RecordBatch } from './ports/record-batch.js';
export {
  RUN_STATUSES,
  TASK_STATUSES,
  type FinishedTask,
  type LedgerError,
  type QuotaUsage,
  type RunRecord,
  type RunSourceSettings,
  type RunStatus,
  type SourceState,
  type StoreReceipt,
  type TaskRecord,
  type TaskStatus,
} from './ports/ledger.js';
export type { Sink, SinkBacklog, TaskCompletion, TransactionalSink } from './ports/sink.js';
export type { CheckpointStore, TaskUpdate } from './ports/checkpoint-store.js';
/** `['sources', 3, 'type']` → `sources[3].type`: the key path error messages name. */
export { formatPath } from './schema/issues.js';
export type { QueuedTask, TaskConsumer, TaskDelivery, TaskQueue } from './ports/task-queue.js';
export type {
  ArgContext,
  CellFields,
  KeyRow,
  StoredCalendar,
  StoredCell,
} from './ports/stored-data.js';
