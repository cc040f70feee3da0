/**
 * The provider clients: one request in, one classified {@link FetchResult} out. The package
 * index re-exports these names.
 */
export {
  DEFAULT_TIMEOUT_MS,
  type ClientOptions,
  type FetchOptions,
  type FetchResult,
  type ProviderClient,
} from './provider-client.js';
export { CancelledError } from './cancelled-error.js';
export { createTushareClient, type TushareClientOptions } from './tushare-client.js';
export { createNdlClient, type NdlClientOptions } from './ndl-client.js';
export { NDL_BASE_URL, ndlBaseUrl, TUSHARE_BASE_URL, tushareBaseUrl } from './base-url.js';
export {
  classifyTushareAnswer,
  classifyTushareError,
  TUSHARE_HOUR_MS,
  TUSHARE_MINUTE_MS,
  type TushareApiError,
} from './tushare-classify.js';
export {
  classifyNdlAnswer,
  classifyNdlError,
  NDL_WINDOW_MS,
  parseNdlCsvError,
  type NdlContext,
  type NdlApiError,
} from './ndl-classify.js';
export type { Classified } from './classified.js';
export type { HttpAnswer } from './http-exchange.js';
export { nextMidnight, NDL_TIME_ZONE, TUSHARE_TIME_ZONE } from './reset-time.js';
