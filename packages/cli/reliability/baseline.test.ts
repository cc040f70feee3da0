import { describe, expect, it } from '@jest/globals';
import {
  marketOver,
  projectConfig,
  projectDb,
  TOKEN,
  TOKEN_ENV,
  useSandbox,
} from '../test/e2e-helpers.js';
import { dailyTruthSum, storedSum, useSecretScan } from './harness.js';

const { market, range } = marketOver('reliability-baseline', 5, '2024-01-01', '2024-02-29');

describe('the yardstick itself', () => {
  const sandbox = useSandbox(market);
  const scan = useSecretScan();

  it('a clean sync stores exactly the ground truth: the same rows, the same checksum', async () => {
    scan.secret(TOKEN);
    const dir = scan.project(
      { 'dsync.config.yaml': projectConfig({ url: sandbox().url }) },
      TOKEN_ENV,
    );
    const synced = await scan.dsync(dir, ['sync', 'tushare.daily', ...range], TOKEN_ENV);
    expect(synced.code).toBe(0);
    const truth = dailyTruthSum(market, '2024-01-01', '2024-02-29');
    expect(truth.rows).toBeGreaterThan(150);
    expect(await storedSum(projectDb(dir), 'tushare.daily')).toEqual(truth);
  });
});
