import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NdlSandbox } from '@dsync/sandbox';
import {
  clientOf,
  gold,
  JANUARY,
  KEY,
  leakTexts,
  ndlFetches,
  PREMIUM,
  SECRETS,
  sep,
  startNdl,
  withSandbox,
} from './client-helpers.js';

/** Every result and error of this file, for the leak check at the end. */
const { seen, fetchOnce } = ndlFetches();

let sandbox: NdlSandbox;
beforeAll(async () => {
  sandbox = await startNdl();
});
afterAll(() => sandbox.close());

/** Error answers and limits, the latter against sandboxes with small limits of their own. */

describe('NDL client: errors', () => {
  it('answers bad-argument for an unknown code (QECx02) and bad parameters (QESx03)', async () => {
    const unknown = await fetchOnce(clientOf(sandbox), gold, {}, { api: 'datasets/NOPE/GOLD' });
    expect(unknown.outcome.kind).toBe('bad-argument');
    expect(unknown.status).toBe(404);
    expect(unknown.detail).toMatch(/^QECx02 You have submitted an incorrect Quandl code/);
    const badFilter = await fetchOnce(clientOf(sandbox), sep, { 'open.gt': '1' });
    expect(badFilter.outcome.kind).toBe('bad-argument');
    expect(badFilter.status).toBe(422);
    expect(badFilter.detail).toMatch(/^QESx03 /);
  });

  it('answers auth for a key the server does not know (QEAx01)', async () => {
    const result = await fetchOnce(clientOf(sandbox, 'ndl-wrong-SECRET'), gold, JANUARY);
    expect(result.outcome.kind).toBe('auth');
    expect(result.status).toBe(400);
    expect(result.detail).toBe(
      'QEAx01 We could not recognize your API key. Please check your API key and try again.',
    );
  });

  it('answers too-frequent for the 10-minute limits (QELx04, QELx05)', async () => {
    await withSandbox({ limits: { per10min: 1, premiumPer10min: 1 } }, async (limited) => {
      for (const [key, code] of [
        [KEY, 'QELx04'],
        [PREMIUM, 'QELx05'],
      ] as const) {
        const client = clientOf(limited, key);
        expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
        const refused = await fetchOnce(client, gold, JANUARY);
        expect(refused.outcome).toEqual({ kind: 'too-frequent', retryAfterMs: 600_000 });
        expect(refused.status).toBe(429);
        expect(refused.detail).toMatch(
          new RegExp(`^${code} You have exceeded your 10-minute call limit`),
        );
      }
    });
  });

  it('passes again once a compressed short window has passed', async () => {
    await withSandbox({ limits: { per10s: 1, shortWindowMs: 300 } }, async (limited) => {
      const client = clientOf(limited);
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('too-frequent');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
    });
  });

  it('answers daily-limit with the reset at midnight in New York (QELx01–03)', async () => {
    const limits = { perDay: 1, premiumPerDay: 1, anonymousPerDay: 1 };
    await withSandbox({ limits }, async (limited) => {
      for (const [key, code] of [
        [KEY, 'QELx02'],
        [PREMIUM, 'QELx03'],
        ['', 'QELx01'],
      ] as const) {
        const client = clientOf(limited, key);
        expect((await fetchOnce(client, gold, JANUARY)).outcome.kind).toBe('rows');
        const refused = await fetchOnce(client, gold, JANUARY);
        expect(refused.outcome).toEqual({
          kind: 'daily-limit',
          resetsAt: '2024-03-07T05:00:00.000Z',
        });
        expect(refused.detail).toMatch(new RegExp(`^${code} `));
      }
      expect(Object.keys(limited.counters().byAccount).sort()).toEqual([
        'anonymous',
        'main',
        'premium',
      ]);
    });
  });
});

describe('NDL client: the key never leaks', () => {
  it('appears in no result, detail, error message or stack of this file', () => {
    expect(seen.length).toBeGreaterThan(8);
    const texts = leakTexts(seen);
    for (const secret of SECRETS) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });
});
