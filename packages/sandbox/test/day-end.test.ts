import { describe, expect, it } from '@jest/globals';
import { clearOfDayEnd } from '../src/index.js';
import { msToMidnight } from '../src/day-end.js';

describe('clearOfDayEnd', () => {
  it('counts the time to the next midnight in the provider’s zone', () => {
    // 23:59:30 in Shanghai (UTC+8), and the same instant in New York (10:59:30, EST).
    const at = Date.parse('2024-03-04T15:59:30Z');
    expect(msToMidnight('Asia/Shanghai', at)).toBe(30_000);
    expect(msToMidnight('America/New_York', at)).toBe(13 * 3_600_000 + 30_000);
    expect(msToMidnight('UTC', Date.parse('2024-03-04T00:00:00Z'))).toBe(86_400_000);
  });

  it('returns at once when the day does not end within the margin', async () => {
    let waited = false;
    await Promise.race([
      clearOfDayEnd('Asia/Shanghai', 0),
      new Promise((resolve) => setImmediate(() => resolve((waited = true)))),
    ]);
    expect(waited).toBe(false);
  });
});
