import { dayNumber } from '../market/dates.js';
import type { Market } from '../market/market.js';
import { round, seedOf, unit } from '../market/random.js';

/**
 * The time series the replica serves (`/api/v3/datasets/{db}/{code}`): `LBMA/GOLD` with the
 * catalog's columns, and any `SANDBOX/{CODE}` as a plain `Date, Value` series. One row per
 * open day of the US calendar within the market's range; every value is a pure function of
 * the seed and the day.
 */

export type NdlCell = string | number | null;
export type NdlRow = readonly NdlCell[];

export interface NdlSeries {
  readonly databaseCode: string;
  readonly datasetCode: string;
  /** The catalog id its publication is drawn for (`ndl.LBMA.GOLD`, `ndl.SANDBOX.{CODE}`). */
  readonly sourceId: string;
  readonly name: string;
  readonly description: string;
  /** `Date` first, as NDL names them. */
  readonly columnNames: readonly string[];
  /** Stable, made-up ids (NDL's are database row ids). */
  readonly id: number;
  readonly databaseId: number;
  /** Every row of the market's range, oldest first, published or not (see `publishedRows`). */
  rows(market: Market): NdlRow[];
}

export const GOLD_COLUMNS = [
  'Date',
  'USD (AM)',
  'USD (PM)',
  'GBP (AM)',
  'GBP (PM)',
  'EURO (AM)',
  'EURO (PM)',
] as const;

/** The first fixing in euros (the euro did not exist before). */
const EURO_START = '1999-01-04';

const idOf = (text: string): number => 1_000_000 + (seedOf(text) % 9_000_000);

/** The days a series has a value: open US days of the market's range. */
const seriesDays = (market: Market): string[] =>
  market.usCalendar.between(market.options.start, market.options.end);

/** An exchange rate per US dollar: a slow swing of ±8% around `base`, a little daily noise. */
function fxRate(seed: number, currency: string, iso: string, base: number): number {
  const t = dayNumber(iso);
  const swing = 0.08 * Math.sin((2 * Math.PI * t) / 900 + 6.3 * unit(seed, 'fx-phase', currency));
  return base * (1 + swing + 0.006 * (unit(seed, 'fx', currency, iso) - 0.5));
}

function goldRow(market: Market, iso: string): NdlRow {
  const seed = market.seed;
  // Gold wanders around 1,600 USD: about 1,030 to 2,500 with the price model's swings.
  const pm = market.prices.level('LBMA/GOLD', 1_600, iso);
  const am = round(pm * (1 + 0.012 * (unit(seed, 'gold-am', iso) - 0.5)), 2);
  // A fixing is sometimes missing (a half-day, a cancelled fix): about one day in a hundred.
  const amMissing = unit(seed, 'gold-am-missing', iso) < 0.007;
  const pmMissing = !amMissing && unit(seed, 'gold-pm-missing', iso) < 0.007;
  const gbp = fxRate(seed, 'GBP', iso, 0.76);
  const eur = iso >= EURO_START ? fxRate(seed, 'EUR', iso, 0.9) : undefined;
  const inCurrency = (usd: number, missing: boolean, rate: number | undefined): NdlCell =>
    missing || rate === undefined ? null : round(usd * rate, 2);
  return [
    iso,
    amMissing ? null : am,
    pmMissing ? null : pm,
    inCurrency(am, amMissing, gbp),
    inCurrency(pm, pmMissing, gbp),
    inCurrency(am, amMissing, eur),
    inCurrency(pm, pmMissing, eur),
  ];
}

const GOLD: NdlSeries = {
  databaseCode: 'LBMA',
  datasetCode: 'GOLD',
  sourceId: 'ndl.LBMA.GOLD',
  name: 'Gold Price: London Fixing',
  description: 'Gold Price: London Fixing, in USD, GBP and EURO, AM and PM (sandbox data).',
  columnNames: GOLD_COLUMNS,
  id: idOf('LBMA/GOLD'),
  databaseId: idOf('LBMA'),
  rows: (market) => seriesDays(market).map((iso) => goldRow(market, iso)),
};

/** Codes as NDL writes them: upper-case letters, digits and underscores. */
const CODE = /^[A-Z0-9_]{1,64}$/;

function sandboxSeries(code: string): NdlSeries {
  return {
    databaseCode: 'SANDBOX',
    datasetCode: code,
    sourceId: `ndl.SANDBOX.${code}`,
    name: `Sandbox series ${code}`,
    description: `A made-up daily series for tests (${code}).`,
    columnNames: ['Date', 'Value'],
    id: idOf(`SANDBOX/${code}`),
    databaseId: idOf('SANDBOX'),
    rows: (market) => {
      const base = 10 + 990 * unit(market.seed, 'sandbox-base', code);
      return seriesDays(market).map((iso) => [
        iso,
        market.prices.level(`SANDBOX/${code}`, base, iso),
      ]);
    },
  };
}

/** The series behind a database and dataset code, or undefined (NDL's QECx02). */
export function ndlSeries(databaseCode: string, datasetCode: string): NdlSeries | undefined {
  if (databaseCode === 'LBMA' && datasetCode === 'GOLD') return GOLD;
  if (databaseCode === 'SANDBOX' && CODE.test(datasetCode)) return sandboxSeries(datasetCode);
  return undefined;
}
