import { describe, expect, it } from '@jest/globals';
import { decide, DEFAULT_ERROR_POLICY, type Outcome } from '../src/index.js';

const first = { attempt: 1 };

describe('decide: the seed’s error policy', () => {
  it('stores rows and discards empty answers', () => {
    expect(decide({ kind: 'rows', rows: 10 }, first)).toEqual({ action: 'store' });
    expect(decide({ kind: 'empty' }, first)).toEqual({ action: 'discard' });
  });

  it('cools a too-frequent task down when the wait fits under the maximum, else stops resumably', () => {
    expect(decide({ kind: 'too-frequent', retryAfterMs: 5_000 }, first)).toEqual({
      action: 'cool-down',
      delayMs: 5_000,
    });
    expect(decide({ kind: 'too-frequent' }, first)).toEqual({
      action: 'cool-down',
      delayMs: 60_000,
    });
    expect(decide({ kind: 'too-frequent', retryAfterMs: 120_001 }, first)).toEqual({
      action: 'stop',
      resumable: true,
    });
    expect(
      decide({ kind: 'too-frequent' }, first, { ...DEFAULT_ERROR_POLICY, maxWaitMs: 30_000 }),
    ).toEqual({
      action: 'stop',
      resumable: true,
    });
  });

  it('stops at a daily limit, resumable after the reset', () => {
    expect(decide({ kind: 'daily-limit', resetsAt: '2024-03-06T16:00:00.000Z' }, first)).toEqual({
      action: 'stop',
      resumable: true,
      resumeAfter: '2024-03-06T16:00:00.000Z',
    });
  });

  it('drops a task with a bad argument and lets the others go on', () => {
    expect(decide({ kind: 'bad-argument', message: '必填参数, ts_code' }, first)).toEqual({
      action: 'drop',
    });
    // After a request of the source was answered (no leadingDrops), a refusal is the request's own.
    const api = { kind: 'bad-argument', message: 'QECx02 m', suspect: 'api' } as const;
    expect(decide(api, first)).toEqual({ action: 'drop' });
  });

  it('takes the third refusal in a row, before any answer, for a misconfigured source', () => {
    const refusal = { kind: 'bad-argument', message: 'QECx02 m', suspect: 'api' } as const;
    const after = (leadingDrops: number) => decide(refusal, { attempt: 1, leadingDrops });
    expect([0, 1, 2, 3].map(after)).toEqual([
      { action: 'drop' },
      { action: 'drop' },
      { action: 'misconfigured' },
      { action: 'misconfigured' },
    ]);
    const options = { ...DEFAULT_ERROR_POLICY, dropsToStop: 5 };
    expect(decide(refusal, { attempt: 1, leadingDrops: 3 }, options)).toEqual({ action: 'drop' });
    expect(decide(refusal, { attempt: 1, leadingDrops: 4 }, options)).toEqual({
      action: 'misconfigured',
    });
  });

  it('takes a route the API does not have for a wrong base URL at once, answered requests or not', () => {
    const route = { kind: 'bad-argument', message: 'QECx01 m', suspect: 'address' } as const;
    expect(decide(route, first)).toEqual({ action: 'misconfigured' });
    expect(decide(route, { attempt: 1, leadingDrops: 0 })).toEqual({ action: 'misconfigured' });
  });

  it('retries timeouts and transient errors with doubling delays, then stops after the last attempt', () => {
    const delays = [1, 2, 3, 4].map((attempt) => decide({ kind: 'timeout' }, { attempt }));
    expect(delays).toEqual(
      [1_000, 2_000, 4_000, 8_000].map((delayMs) => ({ action: 'retry', delayMs })),
    );
    expect(decide({ kind: 'transient', message: '服务器拥挤' }, { attempt: 5 })).toEqual({
      action: 'stop',
      resumable: true,
    });
    expect(
      decide({ kind: 'timeout' }, { attempt: 9 }, { ...DEFAULT_ERROR_POLICY, maxAttempts: 10 }),
    ).toEqual({
      action: 'retry',
      delayMs: 30_000,
    });
  });

  it.each<Outcome>([
    { kind: 'auth', message: '您的token不对，请确认。' },
    { kind: 'permission', message: '抱歉，您没有接口(fund_daily)访问权限' },
    { kind: 'unknown', message: '?' },
  ])('stops for good on $kind', (outcome) => {
    expect(decide(outcome, first)).toEqual({ action: 'stop', resumable: false });
  });
});
