import { describe, expect, it } from '@jest/globals';
import {
  DefinitionError,
  defineDataSource,
  parseDataSource,
  parseDataSources,
} from '../src/index.js';
import { minimalSource } from './fixtures.js';

/** Runs a parse that must fail and returns its issues as `path: message` lines. */
function issues(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return (error as DefinitionError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a DefinitionError');
}

const TYPES = 'string, int, float, decimal, date, datetime, bool, json';

describe('defineDataSource: resolving defaults', () => {
  it('resolves table, write mode, pagination, date format and time zone from the provider', () => {
    const source = defineDataSource(minimalSource());
    expect(source.storage).toEqual({ table: 'custom_fund_daily', writeMode: 'upsert' });
    expect(source.pagination).toEqual({
      kind: 'offset',
      limitParam: 'limit',
      offsetParam: 'offset',
      pageSize: 2000,
    });
    expect(source.dateFormat).toBe('YYYYMMDD');
    expect(source.sync).toEqual({ timezone: 'Asia/Shanghai' });
    expect(source.args).toEqual({
      kind: 'trade-calendar',
      param: 'trade_date',
      calendar: 'tushare.trade_cal',
      exchange: 'SSE',
    });
    expect(source.fields[2]).toEqual({
      name: 'close',
      type: 'decimal',
      nullable: true,
      precision: 20,
      scale: 4,
    });
    expect(source.schemaVersion).toBe(1);
    expect(source.dependsOn).toEqual([]);
  });

  it('normalises dates and durations, and a bare value as a fixed param', () => {
    const source = defineDataSource(
      minimalSource({
        sync: { since: '20100104', freshness: '12h' },
        params: { exchange: 'SSE', trade_date: { kind: 'input' } },
      }),
    );
    expect(source.sync.since).toBe('2010-01-04');
    expect(source.sync.freshness).toBe(12 * 3_600_000);
    expect(source.params).toEqual({
      exchange: { kind: 'fixed', value: 'SSE' },
      trade_date: { kind: 'input', required: false },
    });
  });
});

describe('parseDataSource: every bad input names the source and the path', () => {
  it('names the path of a bad field type and the allowed values', () => {
    const bad = minimalSource();
    (bad.fields as { type: string }[])[2]!.type = 'text';
    expect(() => parseDataSource(bad, { path: ['sources', 3] })).toThrow(
      `Invalid data source "custom.fund_daily":\n  sources[3].fields[2].type: expected one of ${TYPES}; got "text"`,
    );
  });

  it('carries the code, the source id and structured issues', () => {
    try {
      parseDataSource(minimalSource({ primaryKey: ['ts_code', 'date'] }));
      throw new Error('no error');
    } catch (error) {
      const e = error as DefinitionError;
      expect(e.code).toBe('E_DEFINITION');
      expect(e.sourceId).toBe('custom.fund_daily');
      expect(e.issues).toEqual([
        { path: 'primaryKey[1]', message: '"date" is not one of the fields' },
      ]);
    }
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an unknown key', { storage: { mode: 'upsert' } }, ['storage.mode: unknown key']],
    ['a missing field list', { fields: undefined }, ['fields: required (array)']],
    [
      'an empty primary key',
      { primaryKey: [] },
      ['primaryKey: Too small: expected array to have >=1 items'],
    ],
    [
      'an unknown provider',
      { provider: 'yahoo' },
      ['provider: expected one of tushare, ndl; got "yahoo"'],
    ],
    [
      'an api that is not the provider’s',
      { api: 'datasets/WIKI/AAPL' },
      ['api: not a tushare api; expected something like daily, got "datasets/WIKI/AAPL"'],
    ],
    [
      'an unknown arg strategy',
      { args: { kind: 'weekly', param: 'trade_date' } },
      [
        'args.kind: unknown kind: expected one of once, enumerate, date-window, trade-calendar, report-period, fan-out; got "weekly"',
      ],
    ],
    [
      'a date window without a size',
      { args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date' } },
      ['args.windowDays: a date-window strategy needs windowDays or rowsPerDay'],
    ],
    [
      'a required param no strategy sets',
      { params: { ts_code: { kind: 'input', required: true } } },
      ['params.ts_code: required, but the "trade-calendar" arg strategy does not set it'],
    ],
    [
      'a fixed param the strategy sets',
      { params: { trade_date: '20240102' } },
      ['params.trade_date: set by the "trade-calendar" arg strategy; it cannot also be fixed'],
    ],
    [
      'a param set by pagination',
      { params: { limit: 100 } },
      ['params.limit: set by pagination; remove it from params'],
    ],
    [
      'a template naming no parameter',
      { params: { end_date: { kind: 'template', template: '{start}' } } },
      ['params.end_date.template: {start} names no other parameter of this source'],
    ],
    [
      'a page larger than the row cap',
      { pagination: { kind: 'offset', pageSize: 5000 } },
      ['pagination.pageSize: must not exceed rowCap (2000): the provider would cut pages silently'],
    ],
    [
      'replace-window without a date window field',
      { storage: { writeMode: 'replace-window', windowField: 'close' } },
      ['storage.windowField: replace-window needs windowField naming a date or datetime field'],
    ],
    [
      'a duplicate field',
      {
        fields: [
          { name: 'ts_code', type: 'string' },
          { name: 'trade_date', type: 'date' },
          { name: 'ts_code', type: 'int' },
        ],
      },
      ['fields[2].name: duplicate field "ts_code"'],
    ],
    [
      'precision on a non-decimal field',
      {
        fields: [
          { name: 'ts_code', type: 'string', precision: 4 },
          { name: 'trade_date', type: 'date' },
        ],
      },
      ['fields[0].precision: only decimal fields take precision; this field is string'],
    ],
    [
      'a table name that is not an identifier',
      { storage: { table: 'daily; drop table x' } },
      [
        'storage.table: expected a name of letters, digits and _ (not starting with a digit, at most 63 characters)',
      ],
    ],
    [
      'a bad since date',
      { sync: { since: '2024-02-30' } },
      ['sync.since: expected a date as YYYYMMDD or YYYY-MM-DD, got "2024-02-30"'],
    ],
    [
      'a bad time zone',
      { sync: { timezone: 'Mars/Olympus' } },
      ['sync.timezone: expected an IANA time zone such as "Asia/Shanghai", got "Mars/Olympus"'],
    ],
    [
      'a bad freshness',
      { sync: { freshness: 'daily' } },
      ['sync.freshness: expected a duration such as "30m", "12h" or "1d", got "daily"'],
    ],
    [
      'a coverage field that is not one',
      {
        coverage: {
          dateField: 'day',
          keyField: 'ts_code',
          keys: { source: 'tushare.stock_basic', field: 'ts_code' },
        },
      },
      ['coverage.dateField: "day" is not one of the fields'],
    ],
    [
      'a coverage key field without keys',
      { coverage: { dateField: 'trade_date', keyField: 'ts_code' } },
      ['coverage.keys: a keyField needs keys: where the expected keys come from'],
    ],
    [
      'a dependency on itself',
      { dependsOn: ['custom.fund_daily'] },
      ['dependsOn[0]: a source cannot depend on itself'],
    ],
  ])('rejects %s', (_what, overrides, expected) => {
    expect(issues(() => parseDataSource(minimalSource(overrides)))).toEqual(expected);
  });

  it('rejects a bad cron expression with croner’s reason', () => {
    const [line] = issues(() =>
      parseDataSource(minimalSource({ sync: { schedule: '61 * * * *' } })),
    );
    expect(line).toMatch(
      /^sync\.schedule: expected a cron expression such as "0 18 \* \* 1-5": .+/,
    );
  });

  it('reports every issue of every source at once, each under its own path', () => {
    const good = minimalSource();
    const badA = minimalSource({ id: 'custom.a', rowCap: 0 });
    const badB = minimalSource({ id: 'custom.b', storage: { writeMode: 'merge' } });
    try {
      parseDataSources([good, badA, badB], { path: ['sources'] });
      throw new Error('no error');
    } catch (error) {
      const e = error as DefinitionError;
      expect(e.sourceId).toBeUndefined();
      expect(e.issues.map((i) => i.path)).toEqual([
        'sources[1].rowCap',
        'sources[2].storage.writeMode',
      ]);
      expect(e.message).toContain(
        'sources[2].storage.writeMode: expected one of upsert, append, replace-window; got "merge"',
      );
    }
  });
});

describe('publication: when a day is out and how long it may change', () => {
  it('takes the provider’s defaults where the definition says nothing', () => {
    expect(defineDataSource(minimalSource()).publication).toEqual({
      timezone: 'Asia/Shanghai',
      from: '15:00',
      by: '20:00',
      lagDays: 0,
      settle: { kind: 'trading-days', n: 1 },
      recheck: 0,
    });
    const ndl = defineDataSource({
      id: 'custom.series',
      provider: 'ndl',
      api: 'datasets/SANDBOX/ABC',
      fields: [{ name: 'date', type: 'date', nullable: false, from: 'Date' }],
      primaryKey: ['date'],
      args: { kind: 'date-window', startParam: 'start_date', endParam: 'end_date', windowDays: 30 },
    });
    expect(ndl.publication).toEqual({
      timezone: 'America/New_York',
      from: '00:00',
      by: '09:00',
      lagDays: 1,
      settle: { kind: 'duration', ms: 86_400_000 },
      recheck: 0,
    });
  });

  it.each([
    ['0', { kind: 'none' }],
    [0, { kind: 'none' }],
    ['12h', { kind: 'duration', ms: 12 * 3_600_000 }],
    ['2d', { kind: 'duration', ms: 2 * 86_400_000 }],
    ['1 trading day', { kind: 'trading-days', n: 1 }],
    ['3 trading days', { kind: 'trading-days', n: 3 }],
    ['6 months', { kind: 'months', n: 6 }],
    ['1 month', { kind: 'months', n: 1 }],
  ])('reads settle %p', (settle, expected) => {
    const source = defineDataSource(minimalSource({ publication: { settle } }));
    expect(source.publication.settle).toEqual(expected);
  });

  it('keeps the given from, and a by no earlier than it, with a time zone, lag and recheck', () => {
    const source = defineDataSource(
      minimalSource({
        publication: { from: '21:00', lagDays: 1, timezone: 'Europe/London', recheck: '7d' },
      }),
    );
    expect(source.publication).toEqual({
      timezone: 'Europe/London',
      from: '21:00',
      by: '21:00',
      lagDays: 1,
      settle: { kind: 'trading-days', n: 1 },
      recheck: 7 * 86_400_000,
    });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    [
      'a time past 23:59',
      { publication: { from: '24:30' } },
      ['publication.from: expected a time of day from 00:00 to 23:59 as HH:MM; got "24:30"'],
    ],
    [
      'a time without minutes',
      { publication: { by: '7' } },
      ['publication.by: expected a time of day from 00:00 to 23:59 as HH:MM; got "7"'],
    ],
    [
      'a negative lag',
      { publication: { lagDays: -1 } },
      [
        "publication.lagDays: expected a whole number of days ≥ 0 (how many days after its own day a day's data appears); got -1",
      ],
    ],
    [
      'a fractional lag',
      { publication: { lagDays: 0.5 } },
      [
        "publication.lagDays: expected a whole number of days ≥ 0 (how many days after its own day a day's data appears); got 0.5",
      ],
    ],
    [
      'an unknown time zone',
      { publication: { timezone: 'Asia/Shangai' } },
      [
        'publication.timezone: expected an IANA time zone such as "Asia/Shanghai", got "Asia/Shangai"',
      ],
    ],
    [
      'a settle window of no known form',
      { publication: { settle: 'a while' } },
      [
        'publication.settle: expected how long a day may still change after it is published: "1 trading day", "3 months", a duration such as "12h" or "2d", or 0; got "a while"',
      ],
    ],
    [
      'a recheck of no known form',
      { publication: { recheck: 'weekly' } },
      [
        'publication.recheck: expected how often a day not settled yet is asked again, a duration such as "1d" or "7d", or 0 for every run; got "weekly"',
      ],
    ],
    [
      'a by before from',
      { publication: { from: '18:00', by: '17:00' } },
      [
        "publication.by: 17:00 is before publication.from (18:00): a day's data is out by a time after it first appears",
      ],
    ],
    ['an unknown key', { publication: { at: '17:00' } }, ['publication.at: unknown key']],
    [
      'the replaced availableAfter',
      { sync: { availableAfter: '17:00' } },
      [
        "sync.availableAfter: replaced by publication.from (the earliest time a day's data appears) and publication.by (when it is out on a usual day)",
      ],
    ],
  ])('refuses %s, naming the source and the key', (_what, overrides, expected) => {
    expect(issues(() => parseDataSource(minimalSource(overrides)))).toEqual(expected);
    expect(() => parseDataSource(minimalSource(overrides))).toThrow(
      /^Invalid data source "custom\.fund_daily":/,
    );
  });
});
