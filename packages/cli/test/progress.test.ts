import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { SourcePlan, SyncEvent } from '@dsync/synchronizer';
import {
  createProgress,
  terminalFrame,
  terminalLine,
  type ProgressOptions,
  type SourceProgressState,
} from '../src/output/progress.js';
import {
  fitWidth,
  formatBar,
  formatDuration,
  formatNumber,
  formatRatio,
  oneLine,
} from '../src/output/progress-format.js';

const plan = (sourceId: string, requests: number): SourcePlan => ({
  sourceId,
  api: sourceId.split('.')[1] ?? sourceId,
  requests,
  etaMs: 0,
  days: 1,
  count: 'exact',
});

/** A progress display over a stream that keeps what it gets, and a clock the test moves. */
function harness(options: Omit<ProgressOptions, 'stream' | 'now'>, tty?: { columns?: number }) {
  const writes: string[] = [];
  let time = 0;
  const progress = createProgress({
    ...options,
    stream: {
      write: (s: string) => writes.push(s),
      ...(tty === undefined ? {} : { isTTY: true, ...tty }),
    },
    now: () => time,
  });
  return {
    progress,
    writes,
    /** Sets the clock, then sends the events. */
    at(ms: number, ...events: SyncEvent[]) {
      time = ms;
      for (const event of events) progress.listener(event);
    },
    source(id: string): SourceProgressState {
      const found = progress.state().sources.find((s) => s.sourceId === id);
      if (found === undefined) throw new Error(`no ${id}`);
      return found;
    },
  };
}

const started = (sourceId: string, key: string, attempt = 1): SyncEvent => ({
  type: 'task-started',
  sourceId,
  key,
  attempt,
});
const rows = (sourceId: string, key: string, n: number): SyncEvent => ({
  type: 'rows-delivered',
  sourceId,
  key,
  rows: n,
  page: 0,
});
const done = (sourceId: string, key: string, n: number): SyncEvent => ({
  type: 'task-done',
  sourceId,
  key,
  rows: n,
});
const quota = (scope: string, used: number, limit?: number): SyncEvent => ({
  type: 'quota',
  scope,
  used,
  left: limit === undefined ? undefined : limit - used,
});

describe('progress-format', () => {
  it('separates thousands with commas, whatever the locale', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(999)).toBe('999');
    expect(formatNumber(1000)).toBe('1,000');
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(-1234)).toBe('-1,234');
    expect(formatNumber(12.6)).toBe('13');
  });

  it('writes durations at the precision they are read at', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(59_600)).toBe('1m00s');
    expect(formatDuration(72_000)).toBe('1m12s');
    expect(formatDuration(123_000)).toBe('2m03s');
    expect(formatDuration(3_599_000)).toBe('59m59s');
    expect(formatDuration(7_500_000)).toBe('2h05m');
    expect(formatDuration(90_000_000)).toBe('1d01h');
  });

  it('draws a bar that is full only when done', () => {
    expect(formatBar(0.5, 10)).toBe('[#####-----]');
    expect(formatBar(0.3, 10)).toBe('[###-------]');
    expect(formatBar(0.999, 10)).toBe('[#########-]');
    expect(formatBar(1, 4)).toBe('[####]');
    expect(formatBar(0, 4)).toBe('[----]');
    expect(formatBar(2, 3)).toBe('[###]');
    expect(formatBar(Number.NaN, 3)).toBe('[---]');
  });

  it('fits a line to a width, marking the cut', () => {
    expect(fitWidth('abcdef', 10)).toBe('abcdef');
    expect(fitWidth('abcdef', 6)).toBe('abcdef');
    expect(fitWidth('abcdefghij', 8)).toBe('abcde...');
    expect(fitWidth('abcdef', 2)).toBe('ab');
  });

  it('keeps outside text on one printable line, and writes ratios', () => {
    expect(oneLine(' a\nb\r\n\u001b[31mc ')).toBe('a b [31mc');
    expect(formatRatio(1200, 100_000)).toBe('1,200/100,000');
    expect(formatRatio(5, undefined)).toBe('5');
  });
});

describe('createProgress in a pipe', () => {
  /** Two sources: one with a cool-down burst, a retry, a drop and a page; one stopped at the quota. */
  function run() {
    const h = harness({
      plans: [plan('tushare.daily', 6), plan('tushare.weekly', 2)],
      windows: { 'default:daily': { limit: 200, windowMs: 60_000 } },
      plainEveryMs: 10_000,
    });
    const D = 'tushare.daily';
    h.at(0, { type: 'run-started', runId: 'r1', sourceIds: [D, 'tushare.weekly'] });
    h.at(0, { type: 'source-started', runId: 'r1', sourceId: D, resumed: 0 });
    h.at(1_000, started(D, 'k1'));
    // The limiter reports every scope it knows: only the daily interface's is this source's.
    h.at(
      1_500,
      quota('default:trade_cal', 3, 100_000),
      quota('default:daily', 1_201, 100_000),
      rows(D, 'k1', 1_000),
      done(D, 'k1', 1_000),
    );
    h.at(2_000, started(D, 'k2'));
    h.at(2_600, started(D, 'k3'));
    const tooFrequent = { code: 'E_RATE_LIMIT', message: 'too frequent' };
    h.at(2_700, {
      type: 'cooled-down',
      sourceId: D,
      key: 'k2',
      delayMs: 12_000,
      reason: tooFrequent,
    });
    // The same limit hit by the other task in flight: the same cool-down, told once.
    h.at(2_800, {
      type: 'cooled-down',
      sourceId: D,
      key: 'k3',
      delayMs: 12_000,
      reason: tooFrequent,
    });
    h.at(14_700, started(D, 'k2'), quota('default:daily', 1_202, 100_000));
    h.at(14_800, rows(D, 'k2', 1_200), done(D, 'k2', 1_200));
    h.at(15_000, started(D, 'k3'));
    h.at(15_100, {
      type: 'retried',
      sourceId: D,
      key: 'k3',
      attempt: 2,
      delayMs: 2_000,
      reason: { code: 'E_TRANSIENT', message: 'socket hang up' },
    });
    h.at(17_100, started(D, 'k3', 2), quota('default:daily', 1_203, 100_000));
    h.at(17_200, rows(D, 'k3', 500), done(D, 'k3', 500));
    h.at(18_000, started(D, 'k4'), quota('default:daily', 1_204, 100_000));
    h.at(18_100, {
      type: 'dropped',
      sourceId: D,
      key: 'k4',
      reason: { code: 'E_BAD_ARGUMENT', message: 'bad\nts_code' },
    });
    // k5 has a second page, k5#2: seven requests where six were planned.
    h.at(19_000, started(D, 'k5'), quota('default:daily', 1_205, 100_000));
    h.at(19_100, rows(D, 'k5', 2_000), done(D, 'k5', 2_000));
    h.at(19_200, started(D, 'k5#2'), started(D, 'k6'), quota('default:daily', 1_207, 100_000));
    return h;
  }

  it('tracks requests, rows, the window, the quota and the plan outgrown', () => {
    const h = run();
    h.at(19_300);
    expect(h.source('tushare.daily')).toEqual({
      sourceId: 'tushare.daily',
      status: 'running',
      done: 5, // k1, k2, k3, k5 done and k4 dropped
      expected: 7, // 5 done + k5#2 and k6 in flight
      rows: 4_700,
      retries: 1,
      coolDowns: 2,
      dropped: 1,
      window: { used: 10, limit: 200, windowMs: 60_000 }, // every task-started, retries included
      scope: 'default:daily',
      quota: { used: 1_207, left: 98_793 },
      // 2 left at 5 done in the 19.3 s since the start
      etaMs: Math.round((2 * 19_300) / 5),
      elapsedMs: 19_300,
    });
    expect(h.source('tushare.weekly')).toEqual({
      sourceId: 'tushare.weekly',
      status: 'waiting',
      done: 0,
      expected: 2,
      rows: 0,
      retries: 0,
      coolDowns: 0,
      dropped: 0,
    });
    expect(h.progress.state().quotas).toEqual({
      'default:trade_cal': { used: 3, left: 99_997 },
      'default:daily': { used: 1_207, left: 98_793 },
    });
    // The window forgets starts older than a minute: those after 2,600 ms remain at 62,600.
    h.at(62_600);
    expect(h.source('tushare.daily').window).toEqual({ used: 7, limit: 200, windowMs: 60_000 });
  });

  it('writes plain lines: starts, slow progress, troubles told once, ends', () => {
    const h = run();
    const D = 'tushare.daily';
    h.at(20_500, rows(D, 'k5#2', 300), done(D, 'k5#2', 300));
    h.at(21_000, rows(D, 'k6', 400), done(D, 'k6', 400));
    h.at(25_500, started(D, 'k7'), quota('default:daily', 1_208, 100_000));
    // 25.5 s after the last progress line (14.8 s): another one.
    h.at(25_600, rows(D, 'k7', 0), done(D, 'k7', 0));
    h.at(30_000, {
      type: 'source-finished',
      runId: 'r1',
      sourceId: D,
      status: 'done',
      rows: 5_400,
      requests: 9,
    });
    const W = 'tushare.weekly';
    h.at(30_000, { type: 'source-started', runId: 'r1', sourceId: W, resumed: 1 });
    h.at(30_100, started(W, 'w1'));
    h.at(31_000, {
      type: 'source-finished',
      runId: 'r1',
      sourceId: W,
      status: 'stopped',
      rows: 0,
      requests: 1,
      reason: { code: 'E_DAILY_LIMIT', message: 'The daily quota of default:weekly is spent.' },
    });
    h.at(31_000, {
      type: 'run-finished',
      runId: 'r1',
      status: 'stopped',
      reason: { code: 'E_DAILY_LIMIT', message: 'The daily quota of default:weekly is spent.' },
    });
    h.progress.finish();

    const output = h.writes.join('');
    expect(output).not.toContain('\u001b');
    expect(h.writes.every((w) => w.endsWith('\n') && w.indexOf('\n') === w.length - 1)).toBe(true);
    expect(output.split('\n').slice(0, -1)).toEqual([
      'tushare.daily: started (6 requests planned)',
      'tushare.daily: cooling down 12s (too frequent)',
      'tushare.daily: 2/6 requests, 2,200 rows, day quota 1,202/100,000',
      'tushare.daily: retrying in 2s, attempt 2 (socket hang up)',
      'tushare.daily: dropped k4: bad ts_code',
      'tushare.daily: 8/8 requests, 5,400 rows, day quota 1,208/100,000, ETA 0s',
      'tushare.daily: done, 9 requests, 5,400 rows in 30s',
      'tushare.weekly: started (2 requests planned, 1 resumed)',
      'tushare.weekly: stopped: The daily quota of default:weekly is spent. (1 request, 0 rows in 1s)',
    ]);
    expect(h.source(D)).toMatchObject({ status: 'done', done: 8, expected: 8, rows: 5_400 });
    expect(h.source(W)).toMatchObject({
      status: 'stopped',
      done: 0,
      expected: 2,
      reason: 'The daily quota of default:weekly is spent.',
      elapsedMs: 1_000,
    });
  });

  it('says a plan counted before the calendar was stored is an estimate', () => {
    const h = harness({ plans: [{ ...plan('tushare.daily', 1_304), count: 'estimate' }] });
    h.at(0, { type: 'source-started', runId: 'r1', sourceId: 'tushare.daily', resumed: 0 });
    expect(h.writes).toEqual(['tushare.daily: started (~1,304 requests planned)\n']);
  });

  it('gives an ETA from the pace of the last 30 s, and counts the window by source id', () => {
    const h = harness({
      plans: [plan('ndl.prices', 100)],
      windows: { 'ndl.prices': { limit: 10, windowMs: 10_000 } },
    });
    const S = 'ndl.prices';
    h.at(0, { type: 'source-started', runId: 'r', sourceId: S, resumed: 0 });
    for (let i = 1; i <= 4; i++) h.at(i * 1_000, started(S, `k${i}`), done(S, `k${i}`, 1));
    expect(h.source(S).etaMs).toBeUndefined(); // 4 done: too few to tell a pace
    for (let i = 5; i <= 40; i++) h.at(i * 1_000, started(S, `k${i}`), done(S, `k${i}`, 1));
    // 30 done in (10 s, 40 s]: 1 a second, 60 left.
    expect(h.source(S)).toMatchObject({
      done: 40,
      etaMs: 60_000,
      window: { used: 10, limit: 10, windowMs: 10_000 },
    });
  });
});

describe('the run ETA, while sources run side by side', () => {
  it("is the slowest quota scope's: its requests left over its pace, sources of one scope together", () => {
    const h = harness({
      plans: [
        plan('tushare.daily', 100),
        plan('tushare.adj_factor', 40),
        plan('ndl.a', 30),
        plan('ndl.b', 30),
      ],
    });
    for (const id of ['tushare.daily', 'tushare.adj_factor', 'ndl.a', 'ndl.b'])
      h.at(0, { type: 'source-started', runId: 'r', sourceId: id, resumed: 0 });
    // Each call's quota event names its scope (the engine tells it after the call starts).
    const call = (ms: number, id: string, key: string, scope: string) =>
      h.at(ms, started(id, key), quota(scope, 0), done(id, key, 1));
    for (let i = 1; i <= 20; i++) {
      // daily and adj_factor each 1 a second in their own scope; the NDL two share theirs, 1 a second together.
      call(i * 1_000, 'tushare.daily', `d${i}`, 'tushare:default:daily');
      call(i * 1_000, 'tushare.adj_factor', `a${i}`, 'tushare:default:adj_factor');
      call(i * 1_000, i % 2 === 0 ? 'ndl.a' : 'ndl.b', `n${i}`, 'ndl:default');
    }
    h.at(20_000);
    // daily: 80 left at 1/s = 80 s; adj_factor: 20 s; NDL: 40 left together at 1/s = 40 s.
    expect(h.progress.state().eta).toEqual({ etaMs: 80_000, slowest: 'tushare:default:daily' });
    expect(
      terminalFrame(h.progress.state().sources, 200, undefined, h.progress.state().eta).at(-1),
    ).toBe('ETA 1m20s for the run (slowest: tushare:default:daily)');
    h.at(20_000, {
      type: 'source-finished',
      runId: 'r',
      sourceId: 'tushare.daily',
      status: 'failed',
      rows: 20,
      requests: 20,
    });
    expect(h.progress.state().eta).toEqual({ etaMs: 40_000, slowest: 'ndl:default' });
  });
});

describe('createProgress on a terminal', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  /** 120 of 400 requests done by 31 s, four a second, with the quota and the window known. */
  function feed(h: ReturnType<typeof harness>) {
    const D = 'tushare.daily';
    h.at(0, { type: 'run-started', runId: 'r1', sourceIds: [D, 'tushare.weekly'] });
    h.at(0, { type: 'source-started', runId: 'r1', sourceId: D, resumed: 0 });
    for (let i = 0; i < 120; i++) {
      const key = `k${i}`;
      h.at(1_000 + i * 250, started(D, key), rows(D, key, i < 30 ? 115 : 0), done(D, key, 0));
    }
    h.at(30_750, quota('default:daily', 1_200, 100_000));
    h.at(31_000);
  }

  it('redraws one line per source in place, at most every interval', () => {
    jest.useFakeTimers();
    const h = harness(
      {
        plans: [plan('tushare.daily', 400), plan('tushare.weekly', 50)],
        windows: { default: { limit: 200, windowMs: 60_000 } },
        intervalMs: 100,
      },
      { columns: 120 },
    );
    feed(h);
    expect(h.writes).toEqual([]); // nothing drawn between ticks, however many events
    jest.advanceTimersByTime(100);
    expect(h.writes).toHaveLength(1);
    const first = h.writes[0] ?? '';
    // The first frame has nothing to back up over.
    expect(first.startsWith('\r\u001b[0J')).toBe(true);
    expect(first.slice('\r\u001b[0J'.length).split('\n')).toEqual([
      'tushare.daily   [###-------]  120/400 req  3,450 rows  win 120/200  day 1,200/100,000  ETA 1m11s',
      'tushare.weekly  waiting',
      '',
    ]);
    jest.advanceTimersByTime(500); // nothing changed, and under a second: no redraw
    expect(h.writes).toHaveLength(1);

    h.at(31_500, {
      type: 'source-finished',
      runId: 'r1',
      sourceId: 'tushare.daily',
      status: 'done',
      rows: 3_450,
      requests: 120,
    });
    h.at(31_500, { type: 'source-started', runId: 'r1', sourceId: 'tushare.weekly', resumed: 0 });
    jest.advanceTimersByTime(100);
    expect(h.writes).toHaveLength(2);
    h.at(32_000, {
      type: 'source-finished',
      runId: 'r1',
      sourceId: 'tushare.weekly',
      status: 'failed',
      rows: 0,
      requests: 0,
      reason: { code: 'E_AUTH', message: 'token\u001b[2J rejected' },
    });
    h.progress.finish();
    expect(h.writes).toHaveLength(3);
    const last = h.writes[2] ?? '';
    // Back up over the two lines drawn, clear below, draw again.
    expect(last.startsWith('\u001b[2A\r\u001b[0J')).toBe(true);
    expect(last.slice('\u001b[2A\r\u001b[0J'.length).split('\n')).toEqual([
      'tushare.daily   [##########]  120/120 req  3,450 rows  done in 32s',
      'tushare.weekly  [----------]  0/50 req  0 rows  failed: token [2J rejected',
      '',
    ]);
    // The timer is gone: nothing more is drawn.
    h.progress.finish();
    jest.advanceTimersByTime(5_000);
    expect(h.writes).toHaveLength(3);
  });

  it('draws 80 columns wide on a terminal that reports no size', () => {
    const h = harness({ plans: [plan('tushare.daily', 400)] }, { columns: 0 });
    feed(h);
    h.progress.finish();
    const [line] = (h.writes.at(-1) ?? '').replace('\r\u001b[0J', '').split('\n');
    expect(line).toMatch(/^tushare\.daily\s+\[###-------\] {2}120\/400 req/);
    expect((line ?? '').length).toBeLessThanOrEqual(79);
    expect((line ?? '').length).toBeGreaterThan(40);
  });

  it('fits lines to the terminal width, one column short of it', () => {
    const h = harness({ plans: [plan('tushare.daily', 400)] }, { columns: 40 });
    feed(h);
    h.progress.finish();
    const lines = (h.writes.at(-1) ?? '').replace('\r\u001b[0J', '').split('\n');
    expect(lines).toEqual([
      'tushare.daily   [###-------]  120/40...',
      'tushare.weekly  waiting',
      '',
    ]);
    expect(lines[0]).toHaveLength(39);
  });

  it('folds finished and last waiting sources into one line when taller than the screen', () => {
    const source = (sourceId: string, status: SourceProgressState['status']) =>
      ({
        sourceId,
        status,
        done: 1,
        expected: 1,
        rows: 2,
        retries: 0,
        coolDowns: 0,
        dropped: 0,
        elapsedMs: 1_000,
      }) satisfies SourceProgressState;
    const frame = terminalFrame(
      [
        source('a', 'done'),
        source('b', 'done'),
        source('c', 'running'),
        source('d', 'waiting'),
        source('e', 'waiting'),
      ],
      80,
      4,
    );
    expect(frame).toEqual([
      'c  [##########]  1/1 req  2 rows',
      'd  waiting',
      '... 3 more (2 done, 1 waiting)',
    ]);
  });
});

describe('createProgress in distributed mode', () => {
  const D = 'tushare.daily';
  const waiting = (batches: number, consumers: number): SyncEvent => ({
    type: 'batches-waiting',
    runId: 'r1',
    sources: [{ sourceId: D, batches }],
    batches,
    queue: 'dsync.batches',
    consumers,
  });
  const mismatch: SyncEvent = {
    type: 'worker-mismatch',
    sourceId: D,
    worker: 'odd',
    differs: ['limits'],
    message:
      "worker odd leaves the tasks of tushare.daily in run r1 to other workers: its config differs from the sync's (limits).",
  };

  it('says in a pipe, once each, which worker leaves the tasks and how many batches wait for a storing worker', () => {
    const h = harness({ plans: [plan(D, 2)] });
    h.at(0, { type: 'run-started', runId: 'r1', sourceIds: [D] }, mismatch, mismatch);
    // As follow tells it: the source starts with the workers' first event about it.
    h.at(
      1_000,
      { type: 'source-started', runId: 'r1', sourceId: D, resumed: 0 },
      started(D, 'k1'),
      started(D, 'k2'),
    );
    h.at(2_000, { type: 'task-done', sourceId: D, key: 'k1', rows: 5 });
    h.at(2_000, { type: 'task-done', sourceId: D, key: 'k2', rows: 5 });
    h.at(3_000, waiting(2, 0));
    h.at(9_000, waiting(1, 1));
    h.at(10_000, {
      type: 'source-finished',
      runId: 'r1',
      sourceId: D,
      status: 'done',
      rows: 10,
      requests: 2,
    });
    expect(h.writes.join('')).toBe(
      [
        `${D}: ${mismatch.type === 'worker-mismatch' ? mismatch.message : ''}`,
        // Its time is its own: from its first request, not from the run's start.
        `${D}: started (2 requests planned)`,
        `2 batches waiting in dsync.batches, no storing worker connected (${D}: every task fetched)`,
        `1 batch waiting in dsync.batches, 1 storing worker connected (${D}: every task fetched)`,
        `${D}: done, 2 requests, 10 rows in 9s`,
        '',
      ].join('\n'),
    );
  });

  it('shows at a terminal what a running source waits for', () => {
    const h = harness({ plans: [plan(D, 2)] }, { columns: 200 });
    h.at(0, { type: 'run-started', runId: 'r1', sourceIds: [D] }, mismatch);
    expect(terminalLine(h.source(D), D.length)).toBe(`${D}  waiting  config differs on odd`);
    h.at(1_000, started(D, 'k1'));
    h.at(
      2_000,
      { type: 'rows-delivered', sourceId: D, key: 'k1', rows: 5, page: 0 },
      { type: 'task-done', sourceId: D, key: 'k1', rows: 5 },
      waiting(3, 0),
    );
    expect(terminalLine(h.source(D), D.length)).toBe(
      `${D}  [#####-----]  1/2 req  5 rows  config differs on odd  3 batches waiting in dsync.batches, no storing worker connected`,
    );
  });
});
