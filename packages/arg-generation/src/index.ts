/**
 * @dsync/arg-generation: the RequestArgGeneration domain. Turns a source, its checkpoint
 * and its context into the stream of request args a sync needs.
 *
 * Built so far: the date arithmetic every strategy stands on (windows under the row cap,
 * report periods, provider date formats). The strategy generators, paging continuations,
 * gap audit and plan come with their own issue.
 */
export { addDays, dateWindows, formatDate, reportPeriods, type DateWindow } from './dates.js';
