/**
 * The browser UI end to end: the built UI (dist/ui) served by the web server over the
 * Tushare sandbox, driven in real headless Chromium through playwright-core. Every number
 * the UI shows is checked against the controller or the database.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  clockAt,
  JUST_PUBLISHED,
  latestBarsOut,
  webHarness,
  weekdays,
  type WebHarness,
} from './web-harness.js';

jest.setTimeout(240_000);

const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));
const SHOTS = join(PACKAGE, 'test-output', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** How long a DOM state may take to appear: a whole sync of the small market, under load. */
const WAIT = { timeout: Number(process.env.E2E_WAIT_MS ?? 120_000) };
const TOKEN = 'e2e-access-token-0123456789';
/** The sandbox market's days (its calendar runs to the year's end, its bars to March). */
const SINCE = '2024-01-01';
const UNTIL = '2024-03-29';
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

/** The UI's number format: en-US thousands separators. */
const fmt = (n: number): string => n.toLocaleString('en-US');
/** A stored value as the preview shows it. */
const cellText = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

interface Watched {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Page errors, console errors (CSP violations show there) and dialogs. */
  readonly problems: string[];
}

async function open(options: Parameters<Browser['newContext']>[0] = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, context, problems };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Waits for a DOM state; on a timeout, saves what the page showed instead. */
async function waitFor(page: Page, selector: string, name: string): Promise<void> {
  try {
    await page.waitForSelector(selector, WAIT);
  } catch (error) {
    await shot(page, `failed-${name}`).catch(() => undefined);
    throw error;
  }
}

const text = async (page: Page, selector: string): Promise<string> =>
  ((await page.locator(selector).first().textContent()) ?? '').trim();

const rowsOf = (h: WebHarness, id: string) => h.storage.countRows(h.registry.get(id));

describe('the web UI in Chromium', () => {
  let h: WebHarness;
  /** The first test's run: a later run's page must not show it. */
  let firstRun = '';
  beforeAll(async () => {
    h = await webHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('plans, syncs and shows every number as the database has it', async () => {
    const ids = h.registry.list().map((s) => s.id);
    const { page, context, problems } = await open();

    await page.goto(`${h.url}/`);
    await page.waitForSelector('[data-table="sources"]');
    await page.waitForSelector('[data-stream="open"]');
    for (const id of ids) {
      expect(await text(page, `[data-source="${id}"] [data-col="state"]`)).toBe('never');
      expect(await text(page, `[data-source="${id}"] [data-col="lastSyncedAt"]`)).toBe('never');
      expect(await text(page, `[data-source="${id}"] [data-col="dropped"]`)).toBe('0');
    }
    await shot(page, 'sources');

    // Plan: the numbers the controller plans, before anything starts.
    const plan = await h.controller.plan({ since: SINCE, until: UNTIL });
    // Nothing is stored: the per-day sources count the range's 65 weekdays (13 weeks from
    // Monday 2024-01-01 to Friday 2024-03-29) as open days, an estimate.
    const note = `weekdays where tushare.trade_cal (SSE) is not stored for ${SINCE}..${UNTIL}`;
    expect(plan.map((p) => [p.sourceId, p.count, p.count === 'exact' ? 'n' : p.requests])).toEqual([
      ['tushare.trade_cal', 'exact', 'n'],
      ['tushare.stock_basic', 'exact', 'n'],
      ['tushare.daily', 'estimate', 65],
      ['tushare.adj_factor', 'estimate', 65],
    ]);
    await page.fill('[data-input="since"]', SINCE);
    await page.fill('[data-input="until"]', UNTIL);
    await page.click('[data-action="plan"]');
    await page.waitForSelector('[data-table="plan"]');
    for (const p of plan) {
      const row = `[data-table="plan"] [data-source="${p.sourceId}"]`;
      const estimate = p.count === 'estimate';
      expect(await text(page, `${row} [data-col="requests"]`)).toBe(
        `${estimate ? '~' : ''}${fmt(p.requests)}`,
      );
      expect(await text(page, `${row} [data-col="days"]`)).toBe(fmt(p.days));
      expect(await page.getAttribute(`${row} [data-col="eta"]`, 'data-ms')).toBe(String(p.etaMs));
      expect(await text(page, `${row} [data-col="note"]`)).toBe(estimate ? note : '');
    }
    const requests = plan.reduce((sum, p) => sum + p.requests, 0);
    expect(await text(page, '[data-table="plan"] tfoot [data-col="requests"]')).toBe(
      `~${fmt(requests)}`,
    );
    expect(await page.locator('[data-table="plan"] tbody tr').count()).toBe(plan.length);
    expect(await text(page, '[data-testid="plan-footnote"]')).toBe(
      '~ estimated: open days are counted as weekdays until the calendar is stored (a sync stores it first).',
    );
    await shot(page, 'plan');

    // Start: the run page follows the event stream to the end.
    const started = Date.now();
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run$/);
    await waitFor(page, '[data-run][data-status="done"]', 'run-done');
    const runId = await page.getAttribute('[data-run]', 'data-run');
    expect(runId).toBeTruthy();
    firstRun = runId ?? '';
    for (const id of ids) {
      const row = `[data-table="run"] tr[data-source="${id}"]`;
      expect(await page.getAttribute(row, 'data-status')).toBe('done');
      // One request per task of the run (no faults, no continuations on this small market).
      const tasks = await h.storage.checkpoints.listTasks({
        runId: runId ?? '',
        sourceId: id,
        limit: 100_000,
      });
      expect(tasks.length).toBeGreaterThan(0);
      expect(tasks.every((t) => t.status === 'done')).toBe(true);
      expect(await text(page, `${row} [data-col="requests"]`)).toBe(fmt(tasks.length));
      // Planned again once started: the estimates give way to the stored open days, no `~`.
      expect(await text(page, `${row} [data-col="progress"]`)).toMatch(
        new RegExp(`^${fmt(tasks.length)} / ${fmt(tasks.length)}`),
      );
      expect(await text(page, `${row} [data-col="rows"]`)).toBe(fmt(await rowsOf(h, id)));
      expect(tasks.reduce((sum, t) => sum + t.rows, 0)).toBe(await rowsOf(h, id));
      expect(await text(page, `${row} [data-col="dropped"]`)).toBe('0');
    }
    // The estimate counted weekdays; the run requested the open days the calendar stored.
    const openDays = h.market.openDays(SINCE, UNTIL).length;
    expect(openDays).toBeLessThan(65);
    expect(
      await text(page, '[data-table="run"] tr[data-source="tushare.daily"] [data-col="requests"]'),
    ).toBe(fmt(openDays));
    const stored = (await Promise.all(ids.map((id) => rowsOf(h, id)))).reduce((a, b) => a + b, 0);
    expect(stored).toBeGreaterThan(0);
    expect(await text(page, '[data-testid="run-rows"]')).toBe(fmt(stored));
    await shot(page, 'run-done');

    // Sources: synced, with the exact row counts. The market ended on 2024-03-29: the calendar
    // and the stock list (no grid) are current, the daily tables behind today by each weekday
    // after the stored calendar through the latest day whose bars are out (20:00 in
    // Shanghai; if that passes between the run's start and now, either count is right).
    await page.click('[data-nav="sources"]');
    await page.waitForSelector('[data-table="sources"]');
    const grid = new Set(['tushare.daily', 'tushare.adj_factor']);
    for (const id of ids) {
      const row = `[data-table="sources"] [data-source="${id}"]`;
      const state = grid.has(id) ? 'behind' : 'current';
      await page.waitForSelector(`${row} [data-col="state"] [data-value="${state}"]`);
      expect(await text(page, `${row} [data-col="rows"]`)).toBe(fmt(await rowsOf(h, id)));
      expect(await text(page, `${row} [data-col="lastSyncedAt"]`)).not.toBe('never');
      expect(await text(page, `${row} [data-col="settled"]`)).toBe(UNTIL);
    }
    const statuses = await h.controller.status();
    const answered = Date.now();
    const counts = [latestBarsOut(started), latestBarsOut(answered)].map((day) =>
      weekdays('2024-03-30', day),
    );
    for (const id of grid) {
      const row = `[data-table="sources"] [data-source="${id}"]`;
      const shown = await text(page, `${row} [data-field="behind"]`);
      const count = Number(await page.getAttribute(`${row} [data-field="behind"]`, 'data-count'));
      expect(counts).toContain(count);
      expect(shown).toBe(`behind by ${fmt(count)} trading days`);
      // The controller counts the same (unless 20:00 in Shanghai passed in between).
      const behind = statuses.find((s) => s.sourceId === id)?.freshness?.behind;
      if (counts[0] === counts[1]) expect(behind).toBe(count);
      expect(await text(page, `${row} [data-field="latestStored"]`)).toBe(UNTIL);
      // Past the stored calendar a day's next open day is unknown: the last 16 days are asked again.
      const unsettled = statuses.find((s) => s.sourceId === id)?.unsettled;
      if (counts[0] === counts[1])
        expect(await text(page, `${row} [data-col="unsettled"]`)).toBe(
          `${unsettled?.start}..${unsettled?.end}`,
        );
    }
    for (const id of ['tushare.trade_cal', 'tushare.stock_basic']) {
      expect(await text(page, `[data-source="${id}"] [data-col="freshness"]`)).toBe('—');
    }
    await shot(page, 'sources-synced');

    // Ledger: the run, done, and its tasks.
    await page.click('[data-nav="ledger"]');
    const runRow = `[data-table="runs"] tr[data-run="${runId}"]`;
    await page.waitForSelector(runRow);
    expect(await page.getAttribute(runRow, 'data-status')).toBe('done');
    await page.click(`${runRow} a`);
    await page.waitForSelector('[data-table="tasks"]');
    const ledger = await h.storage.checkpoints.listTasks({ runId: runId ?? '', limit: 10_000 });
    expect(ledger.length).toBeGreaterThan(0);
    const shownTasks = await page.locator('[data-table="tasks"] tbody tr').count();
    expect(shownTasks).toBe(Math.min(ledger.length, 100));
    await shot(page, 'ledger');
    if (ledger.length > 100) {
      await page.click('[data-action="more-tasks"]');
      await page
        .locator(`[data-table="tasks"] tbody tr >> nth=${Math.min(ledger.length, 200) - 1}`)
        .waitFor();
      expect(await page.locator('[data-table="tasks"] tbody tr').count()).toBe(
        Math.min(ledger.length, 200),
      );
    }
    expect(
      await page.locator('[data-table="tasks"] tbody tr:not([data-status="done"])').count(),
    ).toBe(0);

    // Quota: a gauge per scope with today's use, and both charts drawn.
    const gauges = await h.controller.quota();
    await page.click('[data-nav="quota"]');
    await page.waitForSelector('[data-chart-card="requests"] .uplot canvas');
    await page.waitForSelector('[data-chart-card="rows"] .uplot canvas');
    for (const g of gauges) {
      expect(
        await text(page, `[data-scope="${g.scope}"] [data-meter="day"] [data-col="used"]`),
      ).toBe(fmt(g.day.used));
    }
    await shot(page, 'quota');

    // Table preview: the first page of tushare.daily, cell by cell as stored.
    await page.goto(`${h.url}/#/table/tushare.daily`);
    await page.waitForSelector('[data-table="rows"] tbody tr');
    const daily = await h.rows('tushare.daily');
    const firstPage = daily.slice(0, 50);
    const shown = await page.evaluate<
      Record<string, string>[]
    >(`[...document.querySelectorAll('[data-table="rows"] tbody tr')]
      .map((tr) => Object.fromEntries([...tr.querySelectorAll('td[data-col]')]
        .map((td) => [td.dataset.col, td.textContent])))`);
    expect(shown).toEqual(
      firstPage.map((row) =>
        Object.fromEntries(Object.keys(shown[0] ?? {}).map((c) => [c, cellText(row[c])])),
      ),
    );
    expect(Object.keys(shown[0] ?? {}).sort()).toEqual(
      h.registry
        .get('tushare.daily')
        .fields.map((f) => f.name)
        .sort(),
    );
    expect(await text(page, '[data-testid="range"]')).toBe(
      `Rows 1–${fmt(firstPage.length)} of ${fmt(daily.length)}`,
    );
    await shot(page, 'table-preview');

    expect(problems).toEqual([]);
    await context.close();
  });

  it('audits a hole, queues its backfill and fills it with the next sync', async () => {
    const id = 'tushare.daily';
    const detail = (await (await h.request(`/api/sources/${id}`)).json()) as { table: string };
    const before = await rowsOf(h, id);
    const [first] = (await h.storage.knex(detail.table).select('trade_date').limit(1)) as {
      trade_date: string | number;
    }[];
    const removed = await h.storage
      .knex(detail.table)
      .where('trade_date', first?.trade_date ?? '')
      .del();
    expect(removed).toBeGreaterThan(0);

    const { page, context, problems } = await open();
    await page.goto(`${h.url}/`);
    await page.waitForSelector(`[data-table="sources"] [data-source="${id}"]`);
    await page.fill('[data-input="since"]', SINCE);
    await page.fill('[data-input="until"]', UNTIL);
    await page.check(`[data-table="sources"] [data-source="${id}"] input[type="checkbox"]`);
    await page.click('[data-action="audit"]');
    await page.waitForSelector('[data-table="audit"]');
    const [audit] = await h.controller.audit({ ids: [id], since: SINCE, until: UNTIL });
    expect(audit?.missing).toBe(removed);
    const row = `[data-table="audit"] [data-source="${id}"]`;
    expect(await text(page, `${row} [data-col="expected"]`)).toBe(fmt(audit?.expected ?? -1));
    expect(await text(page, `${row} [data-col="stored"]`)).toBe(fmt(audit?.stored ?? -1));
    expect(await text(page, `${row} [data-col="missing"]`)).toBe(fmt(removed));
    await shot(page, 'audit');

    await page.click('[data-action="backfill"]');
    await page.waitForSelector(`${row} [data-col="queued"]`);
    expect(Number(await text(page, `${row} [data-col="queued"]`))).toBeGreaterThan(0);
    await waitFor(
      page,
      `[data-table="sources"] [data-source="${id}"] [data-col="pending"]:not(:text-is("0"))`,
      'backfill-pending',
    );

    await page.click('[data-action="sync-selected"]');
    await waitFor(page, '[data-run][data-status="done"]', 'backfill-run');
    expect(await page.getAttribute('[data-run]', 'data-run')).not.toBe(firstRun);
    expect(await rowsOf(h, id)).toBe(before);
    expect(await text(page, `[data-table="run"] tr[data-source="${id}"] [data-col="rows"]`)).toBe(
      fmt(removed),
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows an API error as a clear message', async () => {
    const { page, context } = await open();
    await page.goto(`${h.url}/#/table/tushare.nope`);
    const alert = page.locator('[role="alert"]');
    await alert.waitFor();
    expect(await alert.locator('.error-code').textContent()).toMatch(
      /^E_(NOT_FOUND|UNKNOWN_SOURCE)$/,
    );
    expect(await alert.locator('.error-message').textContent()).toContain('tushare.nope');
    await shot(page, 'error');
    await context.close();
  });

  it('renders stored text literally: markup in a row runs nothing', async () => {
    const source = h.registry.get('tushare.stock_basic');
    await h.storage.write(
      {
        sourceId: source.id,
        argsKey: 'e2e-xss',
        page: 0,
        columns: ['ts_code', 'symbol', 'name'],
        rows: [['000000.XSS', '000000', XSS]],
        schemaVersion: source.schemaVersion,
        fetchedAt: new Date().toISOString(),
      },
      source,
    );
    const { page, context, problems } = await open();
    await page.goto(`${h.url}/#/table/tushare.stock_basic`);
    await page.waitForSelector('[data-table="rows"] tbody tr');
    const cell = page.locator('[data-table="rows"] td[data-col="name"]', {
      hasText: 'window.__xss',
    });
    await cell.waitFor();
    expect(await cell.textContent()).toBe(XSS);
    expect(await cell.locator('*').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(problems).toEqual([]);
    await shot(page, 'table-preview-xss');
    await context.close();
  });
});

describe("how far behind the provider, by dsync's clock", () => {
  let h: WebHarness;
  beforeAll(async () => {
    // Just after the market's last day's bars are out (20:30 in Shanghai on 2024-03-29).
    h = await webHarness({ controller: { clock: clockAt(JUST_PUBLISHED) } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the settled day, the unsettled tail, and current or behind by N trading days', async () => {
    await h.controller.sync({
      ids: ['tushare.trade_cal', 'tushare.stock_basic', 'tushare.daily'],
      since: SINCE,
      until: UNTIL,
    });
    await h.controller.sync({ ids: ['tushare.adj_factor'], since: SINCE, until: '2024-02-29' });
    const march = h.market.openDays('2024-03-01', UNTIL);
    expect(march.length).toBe(21);
    const statuses = await h.controller.status();
    const behindOf = (id: string) => statuses.find((s) => s.sourceId === id)?.freshness?.behind;
    expect([behindOf('tushare.daily'), behindOf('tushare.adj_factor')]).toEqual([0, march.length]);

    const { page, context, problems } = await open();
    await page.goto(`${h.url}/`);
    await page.waitForSelector('[data-table="sources"] [data-source="tushare.adj_factor"]');
    const cell = (id: string, col: string) =>
      text(page, `[data-table="sources"] [data-source="${id}"] ${col}`);

    // Stored through the last day: current. That day's bars are out but settle at 20:00 on the
    // next open day: the last settled day is the one before, the last day asked again.
    expect(await cell('tushare.daily', '[data-col="state"]')).toBe('current');
    expect(await cell('tushare.daily', '[data-col="settled"]')).toBe(march.at(-2));
    expect(await cell('tushare.daily', '[data-col="unsettled"]')).toBe(`${UNTIL}..${UNTIL}`);
    expect(await cell('tushare.daily', '[data-field="behind"]')).toBe('current');
    expect(await cell('tushare.daily', '[data-field="latestStored"]')).toBe(UNTIL);

    // Stored through February, synced a moment ago: behind by March's open days.
    const adj = '[data-table="sources"] [data-source="tushare.adj_factor"]';
    expect(await page.getAttribute(`${adj} [data-col="state"] .badge`, 'data-value')).toBe(
      'behind',
    );
    expect(await page.getAttribute(`${adj} [data-col="state"] .badge`, 'class')).toContain(
      'badge-warn',
    );
    expect(await cell('tushare.adj_factor', '[data-col="state"]')).toBe('behind');
    expect(await cell('tushare.adj_factor', '[data-col="settled"]')).toBe('2024-02-29');
    // Only the last day may still change; March's other days have settled, unsynced.
    expect(await cell('tushare.adj_factor', '[data-col="unsettled"]')).toBe(`${UNTIL}..${UNTIL}`);
    expect(await cell('tushare.adj_factor', '[data-field="behind"]')).toBe(
      `behind by ${march.length} trading days`,
    );
    expect(await cell('tushare.adj_factor', '[data-field="latestStored"]')).toBe('2024-02-29');

    // The calendar: settled through the last day, nothing unsettled, no grid to be behind on.
    expect(await cell('tushare.trade_cal', '[data-col="state"]')).toBe('current');
    expect(await cell('tushare.trade_cal', '[data-col="settled"]')).toBe(UNTIL);
    expect(await cell('tushare.trade_cal', '[data-col="unsettled"]')).toBe('—');
    expect(await cell('tushare.trade_cal', '[data-col="freshness"]')).toBe('—');
    await shot(page, 'sources-behind');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('a fan-out planned before its keys are stored', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await webHarness({ sources: ['tushare.index_daily'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows its requests as unknown, then counts them when it starts', async () => {
    const { page, context, problems } = await open();
    await page.goto(`${h.url}/`);
    await page.waitForSelector('[data-table="sources"]');
    await page.fill('[data-input="since"]', SINCE);
    await page.fill('[data-input="until"]', UNTIL);
    await page.click('[data-action="plan"]');
    await page.waitForSelector('[data-table="plan"]');
    // The index list asks its 7 publisher markets; the bars fan out over the list, not stored yet.
    const basic = '[data-table="plan"] [data-source="tushare.index_basic"]';
    expect(await page.getAttribute(basic, 'data-count')).toBe('exact');
    expect(await text(page, `${basic} [data-col="requests"]`)).toBe('7');
    expect(await text(page, `${basic} [data-col="note"]`)).toBe('');
    const bars = '[data-table="plan"] [data-source="tushare.index_daily"]';
    expect(await page.getAttribute(bars, 'data-count')).toBe('unknown');
    for (const col of ['requests', 'eta', 'days'])
      expect(await text(page, `${bars} [data-col="${col}"]`)).toBe('?');
    expect(await text(page, `${bars} [data-col="note"]`)).toBe(
      'counted once tushare.index_basic is stored',
    );
    expect(await text(page, '[data-testid="plan-summary"]')).toBe(
      '7 requests over 2 sources, under a second; 1 counted when what they read is stored.',
    );
    expect(await page.locator('[data-testid="plan-footnote"]').count()).toBe(0);
    await shot(page, 'plan-unknown');

    // Planned when it starts, once the list is stored: one window per index based by the range's end.
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run$/);
    await waitFor(page, '[data-run][data-status="done"]', 'fan-out-done');
    const indices = h.market.indices.filter((i) => i.baseDate <= UNTIL).length;
    expect(indices).toBeGreaterThan(0);
    const row = '[data-table="run"] tr[data-source="tushare.index_daily"]';
    expect(await text(page, `${row} [data-col="requests"]`)).toBe(fmt(indices));
    expect(await text(page, `${row} [data-col="progress"]`)).toBe(
      `${fmt(indices)} / ${fmt(indices)} 100%`,
    );
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('a slow run, cancelled from the UI', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await webHarness({ rateLimit: { limit: 4, windowMs: 1000 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows progress live, cancels, and keeps what was stored', async () => {
    const { page, context, problems } = await open();
    await page.goto(`${h.url}/`);
    await page.waitForSelector('[data-table="sources"]');
    await page.fill('[data-input="since"]', SINCE);
    await page.fill('[data-input="until"]', UNTIL);
    await page.click('[data-action="sync-unsynced"]');
    await page.waitForURL(/#\/run$/);
    await page.waitForSelector('[data-run][data-status="running"]', WAIT);
    // Progress: some source has stored rows and is still running.
    // Progress: the daily bars part done, still running (CSS only: the page's CSP forbids eval).
    await page
      .locator(
        '[data-table="run"] tr[data-source="tushare.daily"][data-status="running"] [role="progressbar"]:not([aria-valuenow="0"])',
      )
      .first()
      .waitFor(WAIT);
    // Daily and the adjustment factors run side by side (each interface its own limit, 4 calls
    // a second): each was planned again when it started, by the stored open days, exactly.
    const openDays = h.market.openDays(SINCE, UNTIL).length;
    for (const id of ['tushare.daily', 'tushare.adj_factor'])
      await page
        .locator(
          `[data-table="run"] tr[data-source="${id}"][data-status="running"] [data-col="progress"]`,
          { hasText: new RegExp(` / ${fmt(openDays)} \\d+%$`) },
        )
        .waitFor(WAIT);
    // The run's ETA: the slowest source's.
    await page.waitForSelector('[data-testid="run-eta"]', WAIT);
    await shot(page, 'run-in-progress');

    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-run][data-status="cancelled"]', WAIT);
    await page.waitForSelector('[data-testid="run-reason"]');
    expect(await page.locator('[data-action="cancel"]').count()).toBe(0);
    const ids = await page.evaluate<string[]>(
      `[...document.querySelectorAll('[data-table="run"] tr[data-source]')].map((tr) => tr.dataset.source)`,
    );
    expect(ids.length).toBeGreaterThan(0);
    let kept = 0;
    for (const id of ids) {
      const inDb = await h.storage.countRows(h.registry.get(id));
      kept += inDb;
      expect(await text(page, `[data-table="run"] tr[data-source="${id}"] [data-col="rows"]`)).toBe(
        fmt(inDb),
      );
    }
    expect(kept).toBeGreaterThan(0);
    await shot(page, 'run-cancelled');

    // Quota: at 4 calls a second, the requests drawn against their limit line.
    await page.click('[data-nav="quota"]');
    await page.waitForSelector('[data-chart-card="requests"] .uplot canvas');
    await shot(page, 'quota-rate-limited');

    // The rows stay, and the sources page says so.
    await page.click('[data-nav="sources"]');
    for (const id of ids) {
      const row = `[data-table="sources"] [data-source="${id}"]`;
      await page.waitForSelector(row);
      expect(await text(page, `${row} [data-col="rows"]`)).toBe(
        fmt(await h.storage.countRows(h.registry.get(id))),
      );
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('beyond loopback, with an access token', () => {
  let h: WebHarness;
  let base: string;
  beforeAll(async () => {
    h = await webHarness({ host: '0.0.0.0', accessToken: TOKEN });
    base = h.url.replace('//0.0.0.0:', '//127.0.0.1:');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a browser without the token', async () => {
    const { page, context } = await open();
    // Chromium asks for credentials; with none to give, the navigation ends at the 401.
    const answered = page.waitForResponse((r) => r.url() === `${base}/`);
    await page.goto(`${base}/`).catch(() => undefined);
    const response = await answered;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
    expect(await response.text()).not.toContain(TOKEN);
    const api = await context.request.get(`${base}/api/sources`);
    expect(api.status()).toBe(401);
    await context.close();
  });

  it('works end to end with HTTP Basic (password = token): pages, API and events', async () => {
    const { page, context, problems } = await open({
      httpCredentials: { username: 'dsync', password: TOKEN },
    });
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('[data-table="sources"] [data-source="tushare.trade_cal"]');
    await page.waitForSelector('[data-stream="open"]');
    await page.check('[data-source="tushare.trade_cal"] input[type="checkbox"]');
    await page.click('[data-action="sync-selected"]');
    await page.waitForSelector('[data-run][data-status="done"]', WAIT);
    const rows = await h.storage.countRows(h.registry.get('tushare.trade_cal'));
    expect(rows).toBeGreaterThan(0);
    expect(
      await text(page, '[data-table="run"] tr[data-source="tushare.trade_cal"] [data-col="rows"]'),
    ).toBe(fmt(rows));
    expect(problems).toEqual([]);
    await context.close();
  });
});
