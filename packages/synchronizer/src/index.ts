/**
 * @dsync/synchronizer: the RemoteDataSynchronization domain. Provider clients that classify
 * every answer into a typed outcome, the engine that runs a source's requests within the
 * account's limits and routes each outcome through the error policy, and the Sync
 * Controller that both presentations call.
 */
export type { Outcome, OutcomeKind, Suspect } from './outcome.js';
export {
  decide,
  DEFAULT_ERROR_POLICY,
  type Decision,
  type ErrorPolicyOptions,
  type PolicyContext,
} from './error-policy.js';
export { SyncController } from './controller/sync-controller.js';
export type {
  AuditOptions,
  ControllerStorage,
  EnqueueResult,
  PlanOptions,
  QuotaGauge,
  RunResult,
  SettledCheck,
  SourcePlan,
  SourceStatus,
  SyncControllerOptions,
  SyncOptions,
} from './controller/options.js';
export type { SourceAudit } from './controller/audit/audit-sources.js';
export type { RowsPage, TaskFilter } from './controller/status/ledger.js';
export type { FollowOptions } from './controller/distributed/follow.js';
/** A distributed run's events between processes: the fetch workers publish, `follow` hears. */
export {
  RedisRunEvents,
  type RedisRunEventsOptions,
  type RunEventsChannel,
} from './distributed/run-events.js';
/** What a source's dropped requests hold back (`SourceStatus.dropped`). */
export type { DroppedRequests } from './controller/run/dropped.js';
/** The codes a misconfigured source fails with, and which of them a failure is. */
export {
  MISCONFIGURED_CODES,
  misconfigurationOf,
  type Misconfiguration,
} from './engine/misconfiguration.js';
/** How far a `SourcePlan`'s requests hold: exact, estimated (weekdays for open days), or unknown. */
export type { PlanCount } from './controller/plan/estimate.js';
export { DEFAULT_LIMITS, type AccountConfig } from './controller/accounts.js';
export {
  AccountLimiter,
  QuotaExhaustedError,
  type AccountLimits,
  type RateWindow,
} from './limits/account-limiter.js';
export {
  FetchWorker,
  type FetchWorkerOptions,
  type FetchWorkerStats,
} from './distributed/fetch-worker.js';
export {
  recoverOnRedis7,
  RedisLimits,
  type GateVerdict,
  type RedisLimitsOptions,
} from './limits/redis-cluster.js';
/** The loss and return of the shared limits' and run events' Redis connections. */
export type { RedisConnectionEvents } from './limits/redis-watch.js';
export {
  SyncEvents,
  type SyncEvent,
  type SyncEventType,
  type SyncListener,
} from './engine/events.js';
export { syncSource, type SourceResult, type SyncSourceOptions } from './engine/sync-source.js';
export {
  CancelledError,
  classifyNdlAnswer,
  classifyNdlError,
  classifyTushareAnswer,
  classifyTushareError,
  createNdlClient,
  createTushareClient,
  DEFAULT_TIMEOUT_MS,
  NDL_BASE_URL,
  parseNdlCsvError,
  TUSHARE_BASE_URL,
  type ClientOptions,
  type FetchOptions,
  type FetchResult,
  type NdlClientOptions,
  type ProviderClient,
  type TushareClientOptions,
} from './clients/index.js';
/** A Tushare base URL without its trailing slash; a TypeError for `/dataapi/dataapi` or NDL's `/api/v3`. */
export { tushareBaseUrl } from './clients/index.js';
/** An NDL base URL ending in `/api/v3` (added to a bare host); a TypeError for a doubled or other path. */
export { ndlBaseUrl } from './clients/index.js';
