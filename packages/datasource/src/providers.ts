/**
 * What dsync knows of each provider that a definition does not have to repeat: how its
 * request parameters write dates, and the market time zone its dates live in.
 */
export const PROVIDERS = ['tushare', 'ndl'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type DateFormat = 'YYYYMMDD' | 'YYYY-MM-DD';

export interface ProviderProfile {
  /** How dates are written in request parameters and answers. */
  readonly dateFormat: DateFormat;
  /** The time zone of the provider's market dates (a day's data is published in it). */
  readonly timezone: string;
  /** What a valid `api` of this provider looks like, and an example for error messages. */
  readonly apiPattern: RegExp;
  readonly apiExample: string;
}

export const PROVIDER_PROFILES: Readonly<Record<Provider, ProviderProfile>> = Object.freeze({
  tushare: {
    dateFormat: 'YYYYMMDD',
    timezone: 'Asia/Shanghai',
    apiPattern: /^[a-z][a-z0-9_]*$/,
    apiExample: 'daily',
  },
  ndl: {
    dateFormat: 'YYYY-MM-DD',
    timezone: 'America/New_York',
    apiPattern: /^(datasets\/[A-Z0-9_]+\/[A-Za-z0-9_.-]+|datatables\/[A-Z0-9_]+\/[A-Z0-9_]+)$/,
    apiExample: 'datasets/LBMA/GOLD or datatables/SHARADAR/SEP',
  },
});
