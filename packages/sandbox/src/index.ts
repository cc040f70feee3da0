/**
 * @dsync/sandbox: local replicas of the Tushare Pro and Nasdaq Data Link APIs.
 */
export { isOpenDay, isUsOpenDay, tradeCalendar, type CalendarDay } from './market/calendar.js';
export { Market, type MarketOptions, type ResolvedMarketOptions } from './market/market.js';
export type { Stock, IndexInfo } from './market/stocks.js';
export type { Bar } from './market/prices.js';
export { FAULT_KINDS, type FaultKind, type FaultOptions } from './http/faults.js';
export type { CounterSet, CountersSnapshot } from './http/counters.js';
export type { Sandbox, SandboxOptions } from './options.js';
export {
  DEFAULT_TUSHARE_TOKEN,
  startTushareSandbox,
  type TushareAccount,
  type TushareSandbox,
  type TushareSandboxOptions,
} from './tushare/tushare-sandbox.js';
export { TUSHARE_TIERS, type TushareTier, type TushareTierName } from './tushare/tiers.js';
export { groundTruth, type GroundTruth, type Row, type TruthOptions } from './ground-truth.js';
export { storedTruth } from './stored-truth.js';
/** Time: when each source's day is published and which rows are revised when (README, "Time"). */
export { publishedAt, revisionsOf, type Revision } from './time/public.js';
export { clearOfDayEnd } from './day-end.js';
export {
  ndlDatasetRows,
  NdlError,
  ndlTableRows,
  startNdlSandbox,
  type NdlApiKey,
  type NdlCell,
  type NdlLimits,
  type NdlParamsInput,
  type NdlRow,
  type NdlSandbox,
  type NdlSandboxOptions,
  type NdlTier,
} from './ndl/ndl-sandbox.js';
export { runSandboxCli } from './cli.js';
