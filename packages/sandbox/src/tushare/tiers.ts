/**
 * Account tiers of the Tushare replica, after the points table of doc_id=290 (points are a
 * threshold, not spent). Limits count per token and per interface, as Tushare's do.
 */
export interface TushareTier {
  /** Calls per "minute" window per interface. */
  readonly perMinute: number;
  /** Calls per hour per interface. @default no hourly limit */
  readonly perHour?: number;
  /** Calls per day per interface. @default no daily limit */
  readonly perDay?: number;
  /** The interfaces this tier may call; any other answers 40203 "no permission". `all` for every one. */
  readonly apis: readonly string[] | 'all';
  /** Interfaces with their own, lower limits at this tier (e.g. `stock_basic` once an hour at 120 points). */
  readonly overrides?: Readonly<
    Record<string, Partial<Pick<TushareTier, 'perMinute' | 'perHour' | 'perDay'>>>
  >;
}

export const TUSHARE_TIERS = Object.freeze({
  /** 120 points: 50 a minute, 8,000 a day, the basic quote tables only; stock_basic once an hour. */
  '120': {
    perMinute: 50,
    perDay: 8000,
    apis: ['trade_cal', 'stock_basic', 'daily', 'weekly', 'monthly'],
    overrides: { stock_basic: { perHour: 1 } },
  },
  /** 2,000 points: 200 a minute and 100,000 a day per interface, everything but the `_vip` variants. */
  '2000': { perMinute: 200, perDay: 100_000, apis: 'all' },
  /** 5,000 points: 500 a minute, no daily total. */
  '5000': { perMinute: 500, apis: 'all' },
} satisfies Record<string, TushareTier>);

export type TushareTierName = keyof typeof TUSHARE_TIERS;

/** A tier's limits for one interface, overrides applied. */
export function limitsFor(
  tier: TushareTier,
  api: string,
): Pick<TushareTier, 'perMinute' | 'perHour' | 'perDay'> {
  return {
    perMinute: tier.perMinute,
    perHour: tier.perHour,
    perDay: tier.perDay,
    ...tier.overrides?.[api],
  };
}

export const mayCall = (tier: TushareTier, api: string): boolean =>
  tier.apis === 'all' || tier.apis.includes(api);
