import { addDays, dayNumber, isoOfDay } from './dates.js';
import { intBetween, pick, unit } from './random.js';

/** One listed company of the fake market: fixed by the seed and its index. */
export interface Stock {
  readonly index: number;
  readonly ts_code: string;
  readonly symbol: string;
  readonly name: string;
  readonly area: string;
  readonly industry: string;
  readonly market: string;
  readonly exchange: 'SSE' | 'SZSE';
  /** ISO date. */
  readonly listDate: string;
  /** ISO date, when delisted within the market's range. */
  readonly delistDate: string | undefined;
  /** A US-style ticker for the NDL tables (`AAB`, `QZX`…). */
  readonly ticker: string;
  /** The price level its bars wander around. */
  readonly basePrice: number;
  /** Shares in 10,000s, as Tushare counts them. */
  readonly totalShare: number;
}

const PREFIXES = [
  '平安',
  '万科',
  '浦发',
  '招商',
  '华夏',
  '中信',
  '长江',
  '东方',
  '国泰',
  '金地',
  '海通',
  '光明',
  '天坛',
  '紫金',
  '恒瑞',
  '格力',
];
const SUFFIXES = [
  '银行',
  '科技',
  '地产',
  '能源',
  '医药',
  '电子',
  '汽车',
  '证券',
  '食品',
  '化工',
  '材料',
  '传媒',
];
const AREAS = ['北京', '上海', '深圳', '广东', '浙江', '江苏', '山东', '四川', '湖北', '福建'];
const INDUSTRIES = [
  '银行',
  '软件服务',
  '全国地产',
  '电气设备',
  '化学制药',
  '元器件',
  '汽车整车',
  '证券',
  '食品',
  '化工原料',
  '小金属',
  '影视音像',
];

const tickerOf = (index: number): string => {
  let n = index + 26 * 26; // three letters at least
  let out = '';
  while (n > 0) {
    out = String.fromCharCode(65 + (n % 26)) + out;
    n = Math.floor(n / 26);
  }
  return out;
};

/**
 * The stock list: even indices on Shanghai (600000…), odd on Shenzhen (000001…). Listing
 * dates spread from ten years before the market's start to a month before its end, so
 * some stocks list mid-range; about one in twelve delists before the end.
 */
export function createStocks(seed: number, count: number, start: string, end: string): Stock[] {
  const earliest = dayNumber(addDays(start, -3650));
  const latest = dayNumber(addDays(end, -30));
  return Array.from({ length: count }, (_, index) => {
    const sh = index % 2 === 0;
    const number = sh ? 600000 + index / 2 : 1 + (index - 1) / 2;
    const symbol = String(number).padStart(6, '0');
    const listDay = intBetween(seed, earliest, Math.max(earliest, latest), 'list', index);
    const delists = unit(seed, 'delist?', index) < 0.08 && latest - listDay > 400;
    const delistDay = delists
      ? intBetween(seed, listDay + 365, latest, 'delist', index)
      : undefined;
    return {
      index,
      ts_code: `${symbol}.${sh ? 'SH' : 'SZ'}`,
      symbol,
      name: `${pick(seed, PREFIXES, 'name1', index)}${pick(seed, SUFFIXES, 'name2', index)}${index >= PREFIXES.length * SUFFIXES.length ? index : ''}`,
      area: pick(seed, AREAS, 'area', index),
      industry: pick(seed, INDUSTRIES, 'industry', index),
      market: sh || unit(seed, 'board', index) < 0.6 ? '主板' : '创业板',
      exchange: sh ? 'SSE' : 'SZSE',
      listDate: isoOfDay(listDay),
      delistDate: delistDay === undefined ? undefined : isoOfDay(delistDay),
      ticker: tickerOf(index),
      basePrice: 3 + 77 * unit(seed, 'base', index) ** 2,
      totalShare: Math.round(10_000 + 2_000_000 * unit(seed, 'shares', index)),
    };
  });
}

/** Whether a stock is listed (and not yet delisted) on an ISO date. */
export const isListed = (stock: Stock, iso: string): boolean =>
  iso >= stock.listDate && (stock.delistDate === undefined || iso < stock.delistDate);

/** An index of the fake market. */
export interface IndexInfo {
  readonly ts_code: string;
  readonly name: string;
  readonly fullname: string;
  readonly market: string;
  readonly publisher: string;
  readonly category: string;
  /** ISO dates. */
  readonly baseDate: string;
  readonly listDate: string;
  readonly basePoint: number;
}

export const INDICES: readonly IndexInfo[] = [
  [
    '000001.SH',
    '上证指数',
    '上证综合指数',
    'SSE',
    '中证公司',
    '综合指数',
    '1990-12-19',
    '1991-07-15',
    100,
  ],
  [
    '000016.SH',
    '上证50',
    '上证50指数',
    'SSE',
    '中证公司',
    '规模指数',
    '2003-12-31',
    '2004-01-02',
    1000,
  ],
  [
    '000300.SH',
    '沪深300',
    '沪深300指数',
    'CSI',
    '中证公司',
    '规模指数',
    '2004-12-31',
    '2005-04-08',
    1000,
  ],
  [
    '000905.SH',
    '中证500',
    '中证小盘500指数',
    'CSI',
    '中证公司',
    '规模指数',
    '2004-12-31',
    '2007-01-15',
    1000,
  ],
  [
    '399001.SZ',
    '深证成指',
    '深证成份指数',
    'SZSE',
    '深交所',
    '综合指数',
    '1994-07-20',
    '1995-01-23',
    1000,
  ],
  [
    '399006.SZ',
    '创业板指',
    '创业板指数',
    'SZSE',
    '深交所',
    '规模指数',
    '2010-05-31',
    '2010-06-01',
    1000,
  ],
  [
    '801010.SI',
    '农林牧渔',
    '申万农林牧渔指数',
    'SW',
    '申万研究',
    '一级行业指数',
    '1999-12-30',
    '2000-01-04',
    1000,
  ],
  [
    'H30269.CSI',
    '红利低波',
    '中证红利低波动指数',
    'CSI',
    '中证公司',
    '策略指数',
    '2005-01-04',
    '2013-12-16',
    1000,
  ],
].map(([ts_code, name, fullname, market, publisher, category, baseDate, listDate, basePoint]) => ({
  ts_code: ts_code as string,
  name: name as string,
  fullname: fullname as string,
  market: market as string,
  publisher: publisher as string,
  category: category as string,
  baseDate: baseDate as string,
  listDate: listDate as string,
  basePoint: basePoint as number,
}));
