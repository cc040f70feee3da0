import type { DataSourceInput } from '../src/index.js';

/** A small valid definition tests change one thing of. */
export function minimalSource(overrides: Record<string, unknown> = {}): DataSourceInput {
  return {
    id: 'custom.fund_daily',
    provider: 'tushare',
    api: 'fund_daily',
    fields: [
      { name: 'ts_code', type: 'string', nullable: false },
      { name: 'trade_date', type: 'date', nullable: false },
      { name: 'close', type: 'decimal' },
    ],
    primaryKey: ['ts_code', 'trade_date'],
    args: { kind: 'trade-calendar', param: 'trade_date' },
    rowCap: 2000,
    ...overrides,
  };
}
