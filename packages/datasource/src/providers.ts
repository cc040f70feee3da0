import type { PublicationDefaults } from './schema/publication.js';

/**
 * What dsync knows of each provider that a definition does not have to repeat: how its
 * request parameters write dates, the market time zone its dates live in, and when its
 * data usually appears and settles.
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
  /** When a source's day is published and settles, unless its definition says otherwise. */
  readonly publication: PublicationDefaults;
}

export const PROVIDER_PROFILES: Readonly<Record<Provider, ProviderProfile>> = Object.freeze({
  tushare: {
    dateFormat: 'YYYYMMDD',
    timezone: 'Asia/Shanghai',
    apiPattern: /^[a-z][a-z0-9_]*$/,
    apiExample: 'daily',
    // Like its daily bars: out in the evening of the trade day, corrected with the next day's.
    publication: {
      from: '15:00',
      by: '20:00',
      lagDays: 0,
      settle: { kind: 'trading-days', n: 1 },
    },
  },
  ndl: {
    dateFormat: 'YYYY-MM-DD',
    timezone: 'America/New_York',
    apiPattern: /^(datasets\/[A-Z0-9_]+\/[A-Za-z0-9_.-]+|datatables\/[A-Z0-9_]+\/[A-Z0-9_]+)$/,
    apiExample: 'datasets/LBMA/GOLD or datatables/SHARADAR/SEP',
    // "Most update once a day with a 1-day lag": overnight, revised until the next update.
    publication: {
      from: '00:00',
      by: '09:00',
      lagDays: 1,
      settle: { kind: 'duration', ms: 86_400_000 },
    },
  },
});
