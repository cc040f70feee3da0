/**
 * @dsync/arg-generation: the RequestArgGeneration domain. From a source's definition, its
 * checkpoint and what is stored (the trade calendar, fan-out keys), the stream of request
 * args that brings local storage up to date: the one data structure the controller hands
 * to the synchronizer.
 */
export { generateArgs } from './generate-args.js';
export type { GenerateOptions } from './prepare.js';
export { nextPage, pageOf, type PageAnswer } from './pagination.js';
export { mergePlans, planArgs, type ArgPlan } from './plan.js';
export { auditReport, gapArgs, HOLE_KEYS_SHOWN, type AuditReport, type Hole } from './audit.js';
export { freshnessOf, unsettledOf, type Freshness } from './freshness.js';
export { latestPublished, resolveRange, type DateRange, type RangeOptions } from './range.js';
export { cursorAfterSync } from './prepare.js';
export { timingOf, type Timing, type TimingOptions } from './publication.js';
export { reportDeadline } from './strategies/report-periods.js';
export {
  calendarFromDays,
  createMemoryContext,
  type ArgContext,
  type CellFields,
  type StoredCell,
  type KeyRow,
  type KeySource,
  type MemoryContextData,
  type StoredCalendar,
} from './context.js';
export { ArgGenerationError, type ArgGenerationErrorCode } from './errors.js';
export { addDays, dateWindows, formatDate, reportPeriods, type DateWindow } from './dates.js';
