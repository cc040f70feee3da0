import { describe, expect, it } from '@jest/globals';
import {
  DataSourceRegistry,
  DependencyCycleError,
  DefinitionError,
  DuplicateSourceError,
  UnknownSourceError,
  type SourceState,
} from '../src/index.js';
import { minimalSource } from './fixtures.js';

const ids = (sources: { id: string }[]) => sources.map((s) => s.id);

function thrown<E extends Error>(run: () => unknown): E {
  try {
    run();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected an error');
}

describe('DataSourceRegistry.load', () => {
  it('adds the catalog sources a source depends on and orders dependencies first', () => {
    const registry = DataSourceRegistry.load(['tushare.income', 'tushare.daily']);
    expect(ids(registry.list())).toEqual([
      'tushare.income',
      'tushare.daily',
      'tushare.stock_basic',
      'tushare.trade_cal',
    ]);
    expect(ids(registry.resolve())).toEqual([
      'tushare.stock_basic',
      'tushare.income',
      'tushare.trade_cal',
      'tushare.daily',
    ]);
    expect(ids(registry.resolve(['tushare.daily']))).toEqual([
      'tushare.trade_cal',
      'tushare.daily',
    ]);
    expect(registry.dependenciesOf('tushare.income')).toEqual(['tushare.stock_basic']);
  });

  it('merges overrides onto a catalog entry: objects deeply, the rest kept', () => {
    const registry = DataSourceRegistry.load([
      {
        extends: 'tushare.daily',
        sync: { since: '2015-01-05' },
        storage: { table: 'bars' },
        publication: { by: '21:30' },
      },
    ]);
    const daily = registry.get('tushare.daily');
    expect(daily.sync).toEqual({
      since: '2015-01-05',
      schedule: '30 20 * * 1-5',
      freshness: 86_400_000,
      timezone: 'Asia/Shanghai',
    });
    expect(daily.publication).toEqual({
      timezone: 'Asia/Shanghai',
      from: '15:00',
      by: '21:30',
      lagDays: 0,
      settle: { kind: 'trading-days', n: 1 },
      recheck: 0,
    });
    expect(daily.storage).toEqual({ table: 'bars', writeMode: 'upsert' });
    expect(daily.fields.map((f) => f.name)).toContain('pct_chg');
  });

  it('takes a whole definition of an api not in the catalog', () => {
    const registry = DataSourceRegistry.load([minimalSource()]);
    expect(ids(registry.resolve())).toEqual(['tushare.trade_cal', 'custom.fund_daily']);
  });

  it('suggests the nearest ids for an unknown catalog id and says where it was asked for', () => {
    const error = thrown<UnknownSourceError>(() =>
      DataSourceRegistry.load(['tushare.daily', 'tushare.dialy']),
    );
    expect(error).toBeInstanceOf(UnknownSourceError);
    expect(error.code).toBe('E_UNKNOWN_SOURCE');
    expect(error.suggestions[0]).toBe('tushare.daily');
    expect(error.message).toMatch(
      /^Unknown data source "tushare\.dialy" \(referenced by sources\[1\]\)\. Did you mean "tushare\.daily"/,
    );
    expect(
      thrown<UnknownSourceError>(() => DataSourceRegistry.load(['daily_basic'])).suggestions,
    ).toEqual(['tushare.daily_basic']);
  });

  it('shows a hostile id escaped and cut, never raw', () => {
    const message = (id: string) =>
      thrown<UnknownSourceError>(() => DataSourceRegistry.load([id])).message;
    expect(message('tushare.daily\n\u001b[2Jx\u0000')).toMatch(
      /^Unknown data source "tushare\.daily\\n\\u001b\[2Jx\\u0000" \(referenced by sources\[0\]\)\./,
    );
    expect(message('a'.repeat(10_000))).toMatch(
      new RegExp(`^Unknown data source "${'a'.repeat(80)}…" \\(10000 characters\\) \\(referenced`),
    );
  });

  it('names the source and option of a dependency that exists nowhere', () => {
    const error = thrown<UnknownSourceError>(() =>
      DataSourceRegistry.load([
        minimalSource({
          args: { kind: 'trade-calendar', param: 'trade_date', calendar: 'tushare.trade_calendar' },
        }),
      ]),
    );
    expect(error.sourceId).toBe('tushare.trade_calendar');
    expect(error.referencedBy).toBe('custom.fund_daily (args.calendar)');
    expect(error.suggestions).toEqual(['tushare.trade_cal']);
  });

  it('rejects two definitions of one id', () => {
    const error = thrown(() =>
      DataSourceRegistry.load(['tushare.daily', { extends: 'tushare.daily' }]),
    );
    expect(error).toBeInstanceOf(DuplicateSourceError);
    expect(error.message).toBe('Data source "tushare.daily" is defined more than once.');
  });

  it('rejects two sources writing one table, naming both and where they are', () => {
    const error = thrown<DefinitionError>(() =>
      DataSourceRegistry.load([
        'tushare.trade_cal',
        'tushare.daily',
        { extends: 'tushare.daily', id: 'my.daily', storage: { table: 'tushare_daily' } },
      ]),
    );
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toBe(
      'Invalid data source "my.daily":\n' +
        '  sources[2].storage.table: table "tushare_daily" is already written by "tushare.daily" (sources[1]); give one of them a storage.table of its own',
    );
    // Its own table: accepted.
    const registry = DataSourceRegistry.load([
      'tushare.daily',
      { extends: 'tushare.daily', id: 'my.daily' },
    ]);
    expect(registry.get('my.daily').storage.table).toBe('my_daily');
  });

  it('names a dependency cycle', () => {
    const error = thrown<DependencyCycleError>(() =>
      DataSourceRegistry.load([
        minimalSource({ id: 'custom.a', dependsOn: ['custom.b'] }),
        minimalSource({ id: 'custom.b', dependsOn: ['custom.c'] }),
        minimalSource({ id: 'custom.c', dependsOn: ['custom.a'] }),
      ]),
    );
    expect(error).toBeInstanceOf(DependencyCycleError);
    expect(error.cycle).toEqual(['custom.a', 'custom.b', 'custom.c', 'custom.a']);
    expect(error.message).toBe(
      'Data sources depend on each other in a cycle: custom.a -> custom.b -> custom.c -> custom.a.',
    );
  });

  it('refuses a dependency that is not configured, naming the source that reads it and the missing one', () => {
    const error = thrown<UnknownSourceError>(() =>
      DataSourceRegistry.load([
        minimalSource({ id: 'custom.a' }),
        minimalSource({ id: 'custom.b', dependsOn: ['custom.missing'] }),
      ]),
    );
    expect(error).toBeInstanceOf(UnknownSourceError);
    expect(error.message).toBe(
      'Unknown data source "custom.missing" (referenced by custom.b (dependsOn[0])).',
    );
  });

  it('looks up unknown ids with suggestions', () => {
    const registry = DataSourceRegistry.load(['tushare.daily']);
    expect(thrown<UnknownSourceError>(() => registry.get('tushare.weekly')).suggestions).toContain(
      'tushare.weekly',
    );
  });
});

describe('DataSourceRegistry.unsynced', () => {
  // Tushare daily: schedule 30 20 * * 1-5 in Asia/Shanghai (12:30 UTC), freshness 1d.
  const registry = DataSourceRegistry.load(['tushare.daily']);
  const state = (s: Partial<SourceState>): SourceState => ({
    sourceId: 'x',
    pendingTasks: 0,
    ...s,
  });

  it('lists never-synced sources, dependencies first', () => {
    const result = registry.unsynced(new Map(), new Date('2024-03-05T12:00:00Z'));
    expect(result.map((u) => [u.source.id, u.reason])).toEqual([
      ['tushare.trade_cal', 'never-synced'],
      ['tushare.daily', 'never-synced'],
    ]);
  });

  it('lists a source whose run left pending tasks', () => {
    const states = new Map([
      ['tushare.trade_cal', state({ lastSyncedAt: '2024-03-05T11:00:00Z' })],
      ['tushare.daily', state({ lastSyncedAt: '2024-03-05T11:00:00Z', pendingTasks: 12 })],
    ]);
    expect(
      registry
        .unsynced(states, new Date('2024-03-05T12:00:00Z'))
        .map((u) => [u.source.id, u.reason]),
    ).toEqual([['tushare.daily', 'pending-tasks']]);
  });

  it('lists a source once its schedule fired after its last sync, in the market time zone', () => {
    const states = (lastSyncedAt: string) => (id: string) => state({ sourceId: id, lastSyncedAt });
    // Synced Tuesday 09:00 UTC (17:00 Shanghai); the 20:30 Shanghai run fires at 12:30 UTC.
    const before = registry.unsynced(
      states('2024-03-05T09:00:00Z'),
      new Date('2024-03-05T12:29:00Z'),
      ['tushare.daily'],
    );
    expect(before).toEqual([]);
    const after = registry.unsynced(
      states('2024-03-05T09:00:00Z'),
      new Date('2024-03-05T12:30:00Z'),
      ['tushare.daily'],
    );
    // trade_cal runs at 01:00 Shanghai (17:00 UTC): not due yet, so only daily is listed.
    expect(after.map((u) => [u.source.id, u.reason, u.dueSince])).toEqual([
      ['tushare.daily', 'schedule', '2024-03-05T12:30:00.000Z'],
    ]);
  });

  it('lists a source past its freshness when it has no schedule', () => {
    const custom = DataSourceRegistry.load([minimalSource({ sync: { freshness: '6h' } })]);
    const states = new Map([
      ['tushare.trade_cal', state({ lastSyncedAt: '2024-03-05T00:30:00Z' })],
      ['custom.fund_daily', state({ lastSyncedAt: '2024-03-05T00:00:00Z' })],
    ]);
    expect(custom.unsynced(states, new Date('2024-03-05T05:59:00Z'))).toEqual([]);
    const stale = custom.unsynced(states, new Date('2024-03-05T06:00:01Z'));
    expect(stale.map((u) => [u.source.id, u.reason, u.dueSince])).toEqual([
      ['custom.fund_daily', 'freshness', '2024-03-05T06:00:00.000Z'],
    ]);
  });
});
