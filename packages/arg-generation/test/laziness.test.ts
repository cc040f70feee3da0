import { describe, expect, it } from '@jest/globals';
import { generateArgs, type ArgContext, type KeyRow } from '../src/index.js';
import { catalog, context } from './fixtures.js';

describe('generateArgs is lazy', () => {
  it('reads fan-out keys only as far as the consumer has pulled args', async () => {
    let pulled = 0;
    const base = context();
    const counting: ArgContext = {
      ...base,
      keyRows: () =>
        Promise.resolve(
          (async function* () {
            for (let i = 0; i < 1_000_000; i++) {
              pulled++;
              yield await Promise.resolve<KeyRow>({ key: `${String(i).padStart(6, '0')}.SZ` });
            }
          })(),
        ),
    };
    const stream = generateArgs(catalog('tushare.income'), counting, {
      since: '2023-01-01',
      until: '2024-01-10',
    });
    const first: string[] = [];
    for await (const args of stream) {
      first.push(args.key);
      if (first.length === 10) break;
    }
    // Twelve report types per period: ten args need one key, not a million.
    expect(pulled).toBe(1);
    expect(first[4]).toBe('income?limit=6000&period=20230331&report_type=5&ts_code=000000.SZ');
  });
});
