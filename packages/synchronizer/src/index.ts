/**
 * @dsync/synchronizer: the RemoteDataSynchronization domain. Provider clients that classify
 * every answer into a typed outcome, the engine that runs a source's requests within the
 * account's limits and routes each outcome through the error policy, and the Sync
 * Controller that both presentations call.
 */
export type { Outcome, OutcomeKind } from './outcome.js';
export {
  decide,
  DEFAULT_ERROR_POLICY,
  type Decision,
  type ErrorPolicyOptions,
  type PolicyContext,
} from './error-policy.js';
export {
  SyncController,
  type AuditOptions,
  type ControllerStorage,
  type EnqueueResult,
  type PlanOptions,
  type QuotaGauge,
  type RunResult,
  type SettledCheck,
  type SourcePlan,
  type SourceStatus,
  type SyncControllerOptions,
  type SyncOptions,
} from './controller/sync-controller.js';
export type { SourceAudit } from './controller/audit.js';
/** How far a `SourcePlan`'s requests hold: exact, estimated (weekdays for open days), or unknown. */
export type { PlanCount } from './controller/plan-estimate.js';
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
