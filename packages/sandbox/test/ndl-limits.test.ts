import { describe, expect, it } from '@jest/globals';
import type { NdlSandbox, NdlSandboxOptions } from '../src/ndl/ndl-sandbox.js';
import { startNdl } from './ndl-helpers.js';

const GOLD = '/api/v3/datasets/LBMA/GOLD/data.json?limit=1';
/** 10:00 in New York on 2024-01-02. */
const MORNING = Date.UTC(2024, 0, 2, 15);

const TEN_MINUTES = {
  code: 'QELx04',
  message: 'You have exceeded your 10-minute call limit as a registered user.',
};
const DAILY = {
  code: 'QELx02',
  message: 'You have exceeded your daily call limit as a registered user.',
};
const ANONYMOUS_DAILY = {
  code: 'QELx01',
  message:
    'You have exceeded the anonymous user limit of 50 calls per day. To make more calls today, please register for a free Quandl account and then include your API key with your requests.',
};

/** A sandbox on a clock the test moves. */
async function startOnClock(options: NdlSandboxOptions = {}) {
  const clock = { now: MORNING };
  const sb = await startNdl({ now: () => clock.now, ...options });
  return { sb, clock };
}

/** Status and error (if any) of one call with a key, no key (null), or a header. */
async function callGold(sb: NdlSandbox, key: string | null, header?: string) {
  const response = await fetch(`${sb.url}${GOLD}${key === null ? '' : `&api_key=${key}`}`, {
    headers: header === undefined ? {} : { 'x-api-token': header },
  });
  const body = (await response.json()) as { quandl_error?: { code: string; message: string } };
  return [response.status, body.quandl_error ?? null] as const;
}

async function statuses(sb: NdlSandbox, count: number, key: string | null = sb.apiKey) {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await callGold(sb, key))[0]);
  return out;
}

describe('NDL keys and call limits', () => {
  it('takes the key as api_key or x-api-token, and refuses an unknown one with QEAx01', async () => {
    const { sb } = await startOnClock();
    expect(sb.apiKey).toBe('sandbox-ndl-key');
    expect(await callGold(sb, sb.apiKey)).toEqual([200, null]);
    expect(await callGold(sb, null, sb.apiKey)).toEqual([200, null]);
    const unknown = {
      code: 'QEAx01',
      message: 'We could not recognize your API key. Please check your API key and try again.',
    };
    expect(await callGold(sb, 'wrong')).toEqual([400, unknown]);
    expect(await callGold(sb, null, 'wrong')).toEqual([400, unknown]);
    expect(sb.counters().byAccount).toEqual({
      default: { served: 2, throttled: 0, rejected: 0, faulted: 0 },
      unrecognized: { served: 0, throttled: 0, rejected: 2, faulted: 0 },
    });
  });

  it('pools anonymous callers: 20 calls per 10 minutes, 50 a day', async () => {
    const { sb, clock } = await startOnClock();
    expect(await statuses(sb, 20, null)).toEqual(Array(20).fill(200));
    const [status, error] = await callGold(sb, null);
    expect([status, error?.code]).toEqual([429, 'QELx01']);
    expect(error?.message).toMatch(
      /^You have exceeded the anonymous user limit of 20 calls per 10 minutes\./,
    );
    // A key is not held back by the anonymous pool.
    expect(await callGold(sb, sb.apiKey)).toEqual([200, null]);
    clock.now += 600_000;
    expect(await statuses(sb, 20, null)).toEqual(Array(20).fill(200));
    clock.now += 600_000;
    expect(await statuses(sb, 10, null)).toEqual(Array(10).fill(200));
    expect(await callGold(sb, null)).toEqual([429, ANONYMOUS_DAILY]);
    expect(sb.counters().byAccount.anonymous).toEqual({
      served: 50,
      throttled: 2,
      rejected: 0,
      faulted: 0,
    });
  });

  it('limits a key per short window with QELx04, on the real clock', async () => {
    const sb = await startNdl({ limits: { per10s: 3, shortWindowMs: 400 } });
    expect(await statuses(sb, 3)).toEqual([200, 200, 200]);
    expect(await callGold(sb, sb.apiKey)).toEqual([429, TEN_MINUTES]);
    await new Promise((resolve) => setTimeout(resolve, 420));
    expect(await callGold(sb, sb.apiKey)).toEqual([200, null]);
  });

  it('limits a key per 10 minutes with QELx04', async () => {
    const { sb, clock } = await startOnClock({ limits: { per10min: 5, longWindowMs: 1000 } });
    expect(await statuses(sb, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    clock.now += 999;
    expect(await callGold(sb, sb.apiKey)).toEqual([429, TEN_MINUTES]);
    clock.now += 1;
    expect(await statuses(sb, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('does not count throttled calls', async () => {
    const { sb, clock } = await startOnClock({ limits: { per10s: 2, shortWindowMs: 1000 } });
    expect(await statuses(sb, 2)).toEqual([200, 200]);
    clock.now += 500;
    expect(await statuses(sb, 3)).toEqual([429, 429, 429]);
    clock.now += 500;
    expect(await statuses(sb, 3)).toEqual([200, 200, 429]);
  });

  it('does not charge the day for a call the short window refused', async () => {
    const { sb, clock } = await startOnClock({
      limits: { per10s: 1, shortWindowMs: 1000, perDay: 3 },
    });
    expect(await statuses(sb, 2)).toEqual([200, 429]);
    clock.now += 1000;
    expect(await statuses(sb, 1)).toEqual([200]);
    clock.now += 1000;
    expect(await statuses(sb, 1)).toEqual([200]);
    clock.now += 1000;
    expect(await callGold(sb, sb.apiKey)).toEqual([429, DAILY]);
  });

  it('plays fixed windows when asked', async () => {
    const { sb, clock } = await startOnClock({
      limits: { per10s: 2, shortWindowMs: 1000, windowMode: 'fixed' },
    });
    clock.now = 10_900;
    expect(await statuses(sb, 3)).toEqual([200, 200, 429]);
    clock.now = 11_000; // a new window, though a sliding one would still be full
    expect(await statuses(sb, 3)).toEqual([200, 200, 429]);
  });

  it('resets the daily limit at midnight in New York (or the configured zone)', async () => {
    const { sb, clock } = await startOnClock({ limits: { perDay: 2 } });
    expect(await statuses(sb, 2)).toEqual([200, 200]);
    expect(await callGold(sb, sb.apiKey)).toEqual([429, DAILY]);
    clock.now = Date.UTC(2024, 0, 3, 4, 59); // 23:59 in New York
    expect(await callGold(sb, sb.apiKey)).toEqual([429, DAILY]);
    clock.now = Date.UTC(2024, 0, 3, 5); // midnight
    expect(await statuses(sb, 3)).toEqual([200, 200, 429]);
    const utc = await startOnClock({ limits: { perDay: 1, timezone: 'UTC' } });
    utc.clock.now = Date.UTC(2024, 0, 2, 23, 59);
    expect(await statuses(utc.sb, 2)).toEqual([200, 429]);
    utc.clock.now = Date.UTC(2024, 0, 3);
    expect(await statuses(utc.sb, 1)).toEqual([200]);
  });

  it('gives each key its own budget, and premium keys the subscriber codes', async () => {
    const { sb, clock } = await startOnClock({
      apiKeys: [
        { key: 'free-1', label: 'alice' },
        { key: 'pro-1', label: 'bob', tier: 'premium' },
      ],
      limits: { per10min: 1, premiumPer10min: 2, premiumPerDay: 3 },
    });
    expect(sb.apiKey).toBe('free-1');
    expect(await statuses(sb, 2, 'free-1')).toEqual([200, 429]);
    expect(await statuses(sb, 2, 'pro-1')).toEqual([200, 200]);
    expect(await callGold(sb, 'pro-1')).toEqual([
      429,
      { code: 'QELx05', message: 'You have exceeded your 10-minute call limit as a subscriber.' },
    ]);
    clock.now += 600_000;
    expect(await statuses(sb, 1, 'pro-1')).toEqual([200]);
    expect(await callGold(sb, 'pro-1')).toEqual([
      429,
      { code: 'QELx03', message: 'You have exceeded your daily call limit as a subscriber.' },
    ]);
    expect(Object.keys(sb.counters().byAccount).sort()).toEqual(['alice', 'bob']);
  });
});
