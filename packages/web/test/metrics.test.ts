import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  CALENDAR,
  clockAt,
  DAILY,
  DEFAULT_SOURCES,
  JUST_PUBLISHED,
  RANGE,
  webHarness,
  type WebHarness,
} from './web-harness.js';

jest.setTimeout(60_000);
let h: WebHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Fast windows, and a day quota so the day's gauges have a left. */
const LIMITED = {
  tushare: {
    limits: {
      windows: [{ limit: 2000, windowMs: 1000 }],
      perDay: 1000,
      perInterface: true,
      maxConcurrent: 4,
    },
  },
};

async function scrape(harness: WebHarness): Promise<string> {
  const answer = await harness.request('/metrics');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return answer.text();
}

/** The value of one sample, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests and rows per source and account, and gauges each quota', async () => {
    h = await webHarness({ controller: { accounts: LIMITED } });
    const idle = await scrape(h);
    expect(sample(idle, 'dsync_run_active')).toBe(0);
    expect(sample(idle, 'dsync_quota_left{scope="tushare:default:daily",window="day"}')).toBe(1000);

    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const text = await scrape(h);
    const openDays = h.market.openDays('2024-01-01', '2024-02-29').length;
    const daily = 'source="tushare.daily",account="default"';
    const calendar = 'source="tushare.trade_cal",account="default"';
    expect(sample(text, `dsync_requests_total{${daily}}`)).toBe(openDays);
    expect(sample(text, `dsync_requests_total{${calendar}}`)).toBe(1);
    expect(sample(text, `dsync_rows_total{${daily}}`)).toBe(h.truth('tushare.daily', DAILY).length);
    expect(sample(text, `dsync_rows_total{${calendar}}`)).toBe(
      h.truth('tushare.trade_cal', CALENDAR).length,
    );
    expect(sample(text, `dsync_retries_total{${daily}}`)).toBeUndefined();
    expect(sample(text, `dsync_quota_used{scope="tushare:default:daily",window="day"}`)).toBe(
      openDays,
    );
    expect(sample(text, `dsync_quota_left{scope="tushare:default:daily",window="day"}`)).toBe(
      1000 - openDays,
    );
    // The one-second window empties as time goes by; used and left always add up to its limit.
    const used = sample(text, 'dsync_quota_used{scope="tushare:default:daily",window="1s"}');
    const left = sample(text, 'dsync_quota_left{scope="tushare:default:daily",window="1s"}');
    expect((used ?? NaN) + (left ?? NaN)).toBe(2000);
    expect(sample(text, 'dsync_run_active')).toBe(0);
    expect(text).toContain('# TYPE dsync_requests_total counter');
    expect(text).toContain('# TYPE dsync_quota_used gauge');
  });

  it('counts a dropped task, retries of failed answers and throttles as the sandbox saw them', async () => {
    h = await webHarness({
      sources: [
        ...DEFAULT_SOURCES,
        {
          extends: 'tushare.daily',
          id: 'test.some_days',
          args: { kind: 'enumerate', param: 'trade_date', values: ['20240102', '2024-01-03'] },
          coverage: undefined,
        },
      ],
      // Ten calls per 500 ms "minute" against a controller allowed far more: throttle answers.
      sandbox: {
        accounts: [{ token: 'web-metrics-token-0123456789', tier: { perMinute: 10, apis: 'all' } }],
        windowMs: 500,
        faults: { rate: 0.2, kinds: ['html-5xx'], seed: 7 },
      },
      rateWindowMs: 500,
      controller: { policy: { maxAttempts: 12, retryBaseMs: 5, retryMaxMs: 20 } },
    });
    const result = await h.controller.sync({ ids: ['tushare.daily', 'test.some_days'], ...RANGE });
    expect(result.status).toBe('done');
    const text = await scrape(h);
    const { total } = h.sandbox.counters();
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    expect(total.throttled).toBeGreaterThan(0);
    expect(total.faulted).toBeGreaterThan(0);
    expect(sum('dsync_throttles_total')).toBe(total.throttled);
    expect(sum('dsync_retries_total')).toBe(total.faulted);
    expect(sum('dsync_requests_total')).toBe(
      total.served + total.throttled + total.faulted + total.rejected,
    );
    expect(sample(text, 'dsync_dropped_total{source="test.some_days",account="default"}')).toBe(1);
  });

  it('gauges how far behind the provider each source with a grid is', async () => {
    // Just after the market's last day's bars are out (20:30 in Shanghai on 2024-03-29).
    h = await webHarness({ controller: { clock: clockAt(JUST_PUBLISHED) } });
    await h.controller.sync({
      ids: ['tushare.trade_cal', 'tushare.stock_basic'],
      since: '2024-01-01',
      until: '2024-03-29',
    });
    await h.controller.sync({ ids: ['tushare.daily'], ...RANGE });
    const text = await scrape(h);
    expect(text).toContain(
      "# HELP dsync_source_behind How far a source's stored table is behind what its provider has published",
    );
    expect(text).toContain('# TYPE dsync_source_behind gauge');
    // Stored through February: March's open days are behind.
    const march = h.market.openDays('2024-03-01', '2024-03-29').length;
    expect(sample(text, 'dsync_source_behind{source="tushare.daily",unit="trading days"}')).toBe(
      march,
    );
    // Never synced: the whole stored calendar from its start is behind, as status says.
    const status = await h.controller.status();
    const adjFactor = status.find((s) => s.sourceId === 'tushare.adj_factor')?.freshness?.behind;
    expect(adjFactor).toBe(h.market.openDays('2024-01-01', '2024-03-29').length);
    expect(
      sample(text, 'dsync_source_behind{source="tushare.adj_factor",unit="trading days"}'),
    ).toBe(adjFactor);
    // A calendar and a list have no grid: no sample.
    const sourcesGauged = text
      .split('\n')
      .filter((l) => l.startsWith('dsync_source_behind{'))
      .map((l) => /source="([^"]+)"/.exec(l)?.[1]);
    expect(sourcesGauged).toEqual(['tushare.daily', 'tushare.adj_factor']);

    await h.controller.sync({ ids: ['tushare.daily'], since: '2024-03-01', until: '2024-03-29' });
    expect(
      sample(await scrape(h), 'dsync_source_behind{source="tushare.daily",unit="trading days"}'),
    ).toBe(0);
  });

  it('keeps its own registry: two servers in one process count apart', async () => {
    h = await webHarness();
    const other = await webHarness();
    try {
      await h.controller.sync({ ids: ['tushare.trade_cal'], ...RANGE });
      const calendar = 'dsync_requests_total{source="tushare.trade_cal",account="default"}';
      expect(sample(await scrape(h), calendar)).toBe(1);
      expect(sample(await scrape(other), calendar)).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
