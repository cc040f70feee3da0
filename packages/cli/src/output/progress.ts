import { sortedIndex } from '@dsync/datasource';
import type { SourcePlan, SyncEvent } from '@dsync/synchronizer';
import {
  fitWidth,
  formatBar,
  formatNumber,
  formatDuration,
  formatRatio,
  oneLine,
  plural,
} from './progress-format.js';

/**
 * The live progress of `dsync sync`: one line per source redrawn in place on a terminal, plain
 * lines at a slow cadence in a pipe or a log file (where redraws would be noise). It only
 * reads engine events, so it can never slow or break a run: the engine catches a throwing
 * listener, and drawing is throttled to a timer.
 */

export type SourceProgressStatus =
  'waiting' | 'running' | 'done' | 'stopped' | 'failed' | 'cancelled';

export interface RateWindowLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** The terminal's height: a block taller than the screen cannot be redrawn in place. */
  rows?: number;
}

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** Requests expected per source, for totals and ETA; an `estimate` is shown as one (`~`). */
  readonly plans?: readonly SourcePlan[];
  /** The rate window to show, per source id, per quota scope (`<account>:<api>`) or per account. */
  readonly windows?: Readonly<Record<string, RateWindowLimit>>;
  readonly now?: () => number;
  /** Terminal redraw interval. @default 100 */
  readonly intervalMs?: number;
  /** A source's progress line in plain output, at most this often. @default 10000 */
  readonly plainEveryMs?: number;
}

export interface QuotaUse {
  readonly used: number;
  /** Undefined when the scope has no daily limit. */
  readonly left: number | undefined;
}

export interface SourceProgressState {
  readonly sourceId: string;
  readonly status: SourceProgressStatus;
  /** Requests finished: done or dropped. */
  readonly done: number;
  /** Requests planned, or more when more appeared (pages, resumed tasks). */
  readonly expected: number;
  readonly rows: number;
  readonly retries: number;
  readonly coolDowns: number;
  readonly dropped: number;
  /** Requests started within the rate window, against its limit, when a window is known. */
  readonly window?: { readonly used: number; readonly limit: number; readonly windowMs: number };
  /** The quota scope the source spends, once a quota event told it. */
  readonly scope?: string;
  readonly quota?: QuotaUse;
  /** Time left at the pace of the last 30 s; undefined until 5 requests are done. */
  readonly etaMs?: number;
  /** Since the source started (until it finished). */
  readonly elapsedMs?: number;
  /** Why it stopped, failed or was cancelled. */
  readonly reason?: string;
  /** Distributed mode: every task settled, its batches waiting in the queue to be stored. */
  readonly storing?: Storing;
  /** Distributed mode: the fetch workers that leave its tasks to others (their config differs). */
  readonly mismatched?: readonly string[];
}

/** Batches fetched and queued, not yet stored by a storing worker (`batches-waiting`). */
export interface Storing {
  readonly batches: number;
  readonly queue?: string;
  readonly consumers?: number;
}

/** The run's time left: that of its slowest quota scope, while two sources or more run. */
export interface RunEta {
  readonly etaMs: number;
  /** The scope (`tushare:default:daily`) or, before a quota event named it, the source. */
  readonly slowest: string;
}

export interface ProgressState {
  readonly sources: readonly SourceProgressState[];
  readonly eta?: RunEta;
  /** The last quota event per scope. */
  readonly quotas: Readonly<Record<string, QuotaUse>>;
}

export interface Progress {
  /** To pass to `controller.events.on`. */
  readonly listener: (event: SyncEvent) => void;
  /** Draws the final frame and stops the timer; the last frame stays on screen. */
  finish(): void;
  /** A snapshot, for tests and summaries. */
  state(): ProgressState;
}

const ETA_SPAN_MS = 30_000;
const ETA_MIN_DONE = 5;
const BAR_CELLS = 10;
/** A terminal frame redraws at least this often even without events: windows and ETAs age. */
const REFRESH_MS = 1_000;
const DEFAULT_COLUMNS = 80;

/** Ascending timestamps that forget what is older than the horizon asked for. */
class Timestamps {
  #times: number[] = [];
  #head = 0;

  add(time: number): void {
    this.#times.push(time);
  }

  /** Forgets times at or before `cutoff`; compacts now and then rather than shifting each time. */
  forgetUpTo(cutoff: number): void {
    while (this.#head < this.#times.length && (this.#times[this.#head] as number) <= cutoff)
      this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }

  /** How many times are after `cutoff`. */
  countAfter(cutoff: number): number {
    return this.#times.length - sortedIndex(this.#times, cutoff, { after: true, from: this.#head });
  }

  clear(): void {
    this.#times = [];
    this.#head = 0;
  }
}

interface Tracked {
  readonly sourceId: string;
  /** The interface the source calls: what tells its quota scope (`<account>:<api>`) apart. */
  readonly api: string;
  readonly planned: number;
  /** The plan counted days the calendar had not confirmed yet. */
  readonly estimated: boolean;
  status: SourceProgressStatus;
  done: number;
  expected: number;
  rows: number;
  retries: number;
  coolDowns: number;
  dropped: number;
  resumed: number;
  /** Requests made, as the engine counted them when the source finished. */
  requests: number | undefined;
  /** Keys started and not yet done or dropped: what makes `expected` grow past the plan. */
  readonly inFlight: Set<string>;
  readonly starts: Timestamps;
  readonly finishes: Timestamps;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  scope: string | undefined;
  reason: string | undefined;
  storing: Storing | undefined;
  readonly mismatched: Set<string>;
}

function newTracked(sourceId: string, plan: SourcePlan | undefined): Tracked {
  return {
    sourceId,
    // Without a plan, the catalog's convention (`tushare.daily` calls `daily`) is the best guess.
    api: plan?.api ?? sourceId.slice(sourceId.lastIndexOf('.') + 1),
    planned: plan?.requests ?? 0,
    estimated: plan?.count === 'estimate',
    status: 'waiting',
    done: 0,
    expected: plan?.requests ?? 0,
    rows: 0,
    retries: 0,
    coolDowns: 0,
    dropped: 0,
    resumed: 0,
    requests: undefined,
    inFlight: new Set(),
    starts: new Timestamps(),
    finishes: new Timestamps(),
    startedAt: undefined,
    finishedAt: undefined,
    scope: undefined,
    reason: undefined,
    storing: undefined,
    mismatched: new Set(),
  };
}

/**
 * Whether a quota scope is a source's: an interface's (`tushare:default:daily`) when it ends
 * with the source's api; an account's (`ndl:default`) when the source is of that provider.
 */
function scopeFits(scope: string, t: Pick<Tracked, 'api' | 'sourceId'>): boolean {
  const [provider, ...rest] = scope.split(':');
  if (rest.length === 0 || scope.endsWith(`:${t.api}`)) return true;
  return rest.length === 1 && t.sourceId.startsWith(`${provider ?? ''}.`);
}

/** What the events say so far, per source; rendering reads it and never changes it. */
class Tracker {
  readonly sources = new Map<string, Tracked>();
  readonly quotas = new Map<string, QuotaUse>();
  readonly #plans: ReadonlyMap<string, SourcePlan>;
  readonly #windows: Readonly<Record<string, RateWindowLimit>>;
  readonly #horizonMs: number;
  /** The source that started a request last: the one a quota event is about. */
  #latestStarted: Tracked | undefined;

  constructor(
    plans: readonly SourcePlan[],
    windows: Readonly<Record<string, RateWindowLimit>>,
    readonly now: () => number,
  ) {
    this.#plans = new Map(plans.map((p) => [p.sourceId, p]));
    this.#windows = windows;
    this.#horizonMs = Math.max(0, ...Object.values(windows).map((w) => w.windowMs));
    for (const plan of plans) this.track(plan.sourceId);
  }

  track(sourceId: string): Tracked {
    let tracked = this.sources.get(sourceId);
    if (tracked === undefined) {
      tracked = newTracked(sourceId, this.#plans.get(sourceId));
      this.sources.set(sourceId, tracked);
    }
    return tracked;
  }

  /** Applies an event; returns the source it is about, if any. */
  apply(event: SyncEvent): Tracked | undefined {
    const now = this.now();
    switch (event.type) {
      case 'run-started':
        for (const id of event.sourceIds) this.track(id);
        return undefined;
      case 'source-started':
        return this.#start(this.track(event.sourceId), now, event.resumed);
      case 'task-started': {
        const t = this.track(event.sourceId);
        if (t.status === 'waiting') this.#start(t, now, 0);
        t.inFlight.add(event.key);
        t.starts.add(now);
        t.starts.forgetUpTo(now - this.#horizonMs);
        t.expected = Math.max(t.expected, t.done + t.inFlight.size);
        this.#latestStarted = t;
        return t;
      }
      case 'rows-delivered': {
        const t = this.track(event.sourceId);
        t.rows += event.rows;
        return t;
      }
      case 'task-done':
        return this.#complete(this.track(event.sourceId), event.key, now);
      case 'dropped': {
        const t = this.#complete(this.track(event.sourceId), event.key, now);
        t.dropped++;
        return t;
      }
      case 'retried': {
        const t = this.track(event.sourceId);
        t.retries++;
        return t;
      }
      case 'cooled-down': {
        const t = this.track(event.sourceId);
        t.coolDowns++;
        return t;
      }
      case 'quota':
        this.#quota(event.scope, { used: event.used, left: event.left });
        return this.#latestStarted;
      case 'worker-mismatch': {
        const t = this.track(event.sourceId);
        t.mismatched.add(event.worker);
        return t;
      }
      case 'batches-waiting':
        for (const { sourceId, batches } of event.sources)
          this.track(sourceId).storing = {
            batches,
            ...(event.queue === undefined ? {} : { queue: event.queue }),
            ...(event.consumers === undefined ? {} : { consumers: event.consumers }),
          };
        return undefined;
      case 'source-finished':
        return this.#finish(this.track(event.sourceId), event, now);
      case 'run-finished':
        return undefined;
    }
  }

  #start(t: Tracked, now: number, resumed: number): Tracked {
    // A source synced again (a later run on the same display) starts from zero.
    Object.assign(t, {
      status: 'running',
      done: 0,
      expected: t.planned,
      rows: 0,
      retries: 0,
      coolDowns: 0,
      dropped: 0,
      resumed,
      requests: undefined,
      startedAt: now,
      finishedAt: undefined,
      reason: undefined,
    } satisfies Partial<Tracked>);
    t.inFlight.clear();
    t.starts.clear();
    t.finishes.clear();
    return t;
  }

  #complete(t: Tracked, key: string, now: number): Tracked {
    t.inFlight.delete(key);
    t.done++;
    t.expected = Math.max(t.expected, t.done + t.inFlight.size);
    t.finishes.add(now);
    t.finishes.forgetUpTo(now - ETA_SPAN_MS);
    return t;
  }

  /**
   * The engine reports every scope its account's limiter knows after each request, so the
   * latest-started source takes a scope only when it is its account's or its interface's.
   */
  #quota(scope: string, use: QuotaUse): void {
    this.quotas.set(scope, use);
    const t = this.#latestStarted;
    if (t !== undefined && scopeFits(scope, t)) t.scope = scope;
  }

  #finish(
    t: Tracked,
    event: Extract<SyncEvent, { type: 'source-finished' }>,
    now: number,
  ): Tracked {
    t.status = event.status === 'running' ? 'running' : event.status;
    // The engine's counts are the ones stored; the display's own are only estimates.
    t.rows = event.rows;
    t.requests = event.requests;
    t.finishedAt = now;
    t.startedAt ??= now;
    t.reason = event.reason === undefined ? undefined : oneLine(event.reason.message);
    t.storing = undefined;
    t.inFlight.clear();
    // Plans count calendar days, not trading days: a finished source is complete at what it did.
    if (t.status === 'done') t.expected = t.done;
    return t;
  }

  windowOf(t: Tracked): RateWindowLimit | undefined {
    const byScope = t.scope === undefined ? undefined : this.#windows[t.scope];
    const account = t.scope?.split(':')[0];
    const byAccount = account === undefined ? undefined : this.#windows[account];
    return this.#windows[t.sourceId] ?? byScope ?? byAccount;
  }

  snapshot(t: Tracked): SourceProgressState {
    const now = this.now();
    const window = this.windowOf(t);
    const quota = t.scope === undefined ? undefined : this.quotas.get(t.scope);
    const etaMs = this.#eta(t, now);
    return {
      sourceId: t.sourceId,
      status: t.status,
      done: t.done,
      expected: t.expected,
      rows: t.rows,
      retries: t.retries,
      coolDowns: t.coolDowns,
      dropped: t.dropped,
      ...(window === undefined
        ? {}
        : {
            window: {
              used: t.starts.countAfter(now - window.windowMs),
              limit: window.limit,
              windowMs: window.windowMs,
            },
          }),
      ...(t.scope === undefined ? {} : { scope: t.scope }),
      ...(quota === undefined ? {} : { quota }),
      ...(etaMs === undefined ? {} : { etaMs }),
      ...(t.startedAt === undefined ? {} : { elapsedMs: (t.finishedAt ?? now) - t.startedAt }),
      ...(t.reason === undefined ? {} : { reason: t.reason }),
      ...(t.storing === undefined ? {} : { storing: t.storing }),
      ...(t.mismatched.size === 0 ? {} : { mismatched: [...t.mismatched] }),
    };
  }

  /**
   * The run's time left, while two sources or more run: per quota scope, its sources'
   * requests left over their pace of the last 30 s together; the slowest scope's.
   */
  runEta(): RunEta | undefined {
    const now = this.now();
    const running = [...this.sources.values()].filter(
      (t) => t.status === 'running' && t.startedAt !== undefined,
    );
    if (running.length < 2) return undefined;
    const scopes = new Map<string, { left: number; recent: number; spanMs: number }>();
    for (const t of running) {
      const key = t.scope ?? t.sourceId;
      const scope = scopes.get(key) ?? { left: 0, recent: 0, spanMs: 0 };
      scope.left += Math.max(0, t.expected - t.done);
      scope.recent += t.finishes.countAfter(now - ETA_SPAN_MS);
      scope.spanMs = Math.max(scope.spanMs, now - Math.max(now - ETA_SPAN_MS, t.startedAt ?? now));
      scopes.set(key, scope);
    }
    let eta: RunEta | undefined;
    for (const [key, s] of scopes) {
      // A scope with no pace yet (too few answers) has no ETA, and neither has the run then.
      if (s.left > 0 && (s.recent < ETA_MIN_DONE || s.spanMs <= 0)) return undefined;
      const etaMs = s.left === 0 ? 0 : Math.round((s.left * s.spanMs) / s.recent);
      if (eta === undefined || etaMs > eta.etaMs) eta = { etaMs, slowest: key };
    }
    return eta;
  }

  /** Requests left over the pace of the last 30 s (the pace changes with cool-downs and pages). */
  #eta(t: Tracked, now: number): number | undefined {
    if (t.status !== 'running' || t.done < ETA_MIN_DONE || t.startedAt === undefined)
      return undefined;
    const spanStart = Math.max(now - ETA_SPAN_MS, t.startedAt);
    const spanMs = now - spanStart;
    const recent = t.finishes.countAfter(now - ETA_SPAN_MS);
    if (recent === 0 || spanMs <= 0) return undefined;
    return Math.round(((t.expected - t.done) * spanMs) / recent);
  }
}

// ---- Terminal frame ----------------------------------------------------------------------

function requestCount(s: SourceProgressState): string {
  return s.expected > 0 ? formatRatio(s.done, s.expected) : formatNumber(s.done);
}

function progressBar(s: SourceProgressState): string {
  const fraction = s.expected > 0 ? s.done / s.expected : s.status === 'done' ? 1 : 0;
  return formatBar(fraction, BAR_CELLS);
}

/** Retries, cool-downs and drops, only when there were any: most runs have none. */
function troubles(s: SourceProgressState): string[] {
  return [
    ...(s.retries > 0 ? [plural(s.retries, 'retry', 'retries')] : []),
    ...(s.coolDowns > 0 ? [plural(s.coolDowns, 'cool-down')] : []),
    ...(s.dropped > 0 ? [`${formatNumber(s.dropped)} dropped`] : []),
  ];
}

function outcome(s: SourceProgressState): string {
  const took = formatDuration(s.elapsedMs ?? 0);
  if (s.status === 'done') return `done in ${took}`;
  return s.reason === undefined ? `${s.status} after ${took}` : `${s.status}: ${s.reason}`;
}

/** `tushare.daily  [#####-----]  120/400 req  3,450 rows  win 180/200  day 1,200/100,000  ETA 1m12s` */
export function terminalLine(s: SourceProgressState, nameWidth: number): string {
  const name = s.sourceId.padEnd(nameWidth);
  const mismatched =
    s.mismatched === undefined ? [] : [`config differs on ${s.mismatched.join(', ')}`];
  if (s.status === 'waiting') return [`${name}  waiting`, ...mismatched].join('  ');
  const parts = [
    name,
    progressBar(s),
    `${requestCount(s)} req`,
    `${formatNumber(s.rows)} rows`,
    ...troubles(s),
    ...mismatched,
  ];
  if (s.status === 'running' && s.storing !== undefined) parts.push(storingText(s.storing));
  else if (s.status === 'running') {
    if (s.window !== undefined) parts.push(`win ${formatRatio(s.window.used, s.window.limit)}`);
    if (s.quota !== undefined) parts.push(`day ${dayQuota(s.quota)}`);
    if (s.etaMs !== undefined) parts.push(`ETA ${formatDuration(s.etaMs)}`);
  } else parts.push(outcome(s));
  return parts.join('  ');
}

/** `245 batches waiting in dsync.batches, no storing worker connected` */
export function storingText(storing: Storing): string {
  const where = storing.queue === undefined ? 'to be stored' : `in ${storing.queue}`;
  const who =
    storing.consumers === undefined
      ? ''
      : storing.consumers === 0
        ? ', no storing worker connected'
        : `, ${plural(storing.consumers, 'storing worker')} connected`;
  return `${plural(storing.batches, 'batch', 'batches')} waiting ${where}${who}`;
}

function dayQuota(quota: QuotaUse): string {
  return formatRatio(quota.used, quota.left === undefined ? undefined : quota.used + quota.left);
}

const RANK: Record<SourceProgressStatus, number> = {
  running: 0,
  failed: 1,
  stopped: 1,
  cancelled: 1,
  waiting: 2,
  done: 3,
};

/**
 * The lines of a frame: one per source, unless that is taller than the screen (the cursor
 * cannot move above it, so the redraw would smear); then the finished and the last waiting
 * sources fold into one line.
 */
export function terminalFrame(
  sources: readonly SourceProgressState[],
  columns: number,
  rows: number | undefined,
  eta?: RunEta,
): string[] {
  const nameWidth = Math.max(0, ...sources.map((s) => s.sourceId.length));
  const maxLines = rows === undefined ? Infinity : Math.max(1, rows - 1);
  let shown = sources;
  let summary: string | undefined;
  if (sources.length > maxLines) {
    const keep = new Set(
      sources
        .map((s, i) => ({ s, i }))
        .sort((a, b) => RANK[a.s.status] - RANK[b.s.status] || a.i - b.i)
        .slice(0, maxLines - 1)
        .map(({ s }) => s),
    );
    shown = sources.filter((s) => keep.has(s));
    summary = hiddenSummary(sources.filter((s) => !keep.has(s)));
  }
  // One column short of the width: a line that fills it wraps on some terminals, and the
  // cursor-up count would then be off by one per line.
  const width = Math.max(1, columns - 1);
  return [
    ...shown.map((s) => fitWidth(terminalLine(s, nameWidth), width)),
    ...(summary === undefined ? [] : [fitWidth(summary, width)]),
    ...(eta === undefined ? [] : [fitWidth(runEtaLine(eta), width)]),
  ];
}

/** `ETA 1m12s for the run (slowest: tushare:default:daily)` */
export const runEtaLine = (eta: RunEta): string =>
  `ETA ${formatDuration(eta.etaMs)} for the run (slowest: ${eta.slowest})`;

function hiddenSummary(hidden: readonly SourceProgressState[]): string {
  const counts = new Map<SourceProgressStatus, number>();
  for (const s of hidden) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const detail = [...counts].map(([status, n]) => `${formatNumber(n)} ${status}`).join(', ');
  return `... ${formatNumber(hidden.length)} more (${detail})`;
}

// ---- Plain lines -------------------------------------------------------------------------

/** `tushare.daily: 120/400 requests, 3,450 rows, day quota 1,200/100,000, ETA 1m12s` */
export function plainProgressLine(s: SourceProgressState): string {
  const total = s.expected > 0 ? s.expected : s.done;
  const parts = [
    `${requestCount(s)} ${total === 1 ? 'request' : 'requests'}`,
    plural(s.rows, 'row'),
    ...(s.quota === undefined ? [] : [`day quota ${dayQuota(s.quota)}`]),
    ...(s.etaMs === undefined ? [] : [`ETA ${formatDuration(s.etaMs)}`]),
  ];
  return `${s.sourceId}: ${parts.join(', ')}`;
}

function startedLine(t: Tracked): string {
  const details = [
    ...(t.planned > 0 ? [`${t.estimated ? '~' : ''}${plural(t.planned, 'request')} planned`] : []),
    ...(t.resumed > 0 ? [`${formatNumber(t.resumed)} resumed`] : []),
  ];
  return `${t.sourceId}: started${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

function finishedLine(t: Tracked, s: SourceProgressState): string {
  const counts = `${plural(t.requests ?? s.done, 'request')}, ${plural(s.rows, 'row')} in ${formatDuration(s.elapsedMs ?? 0)}`;
  if (s.status === 'done') return `${s.sourceId}: done, ${counts}`;
  const why = s.reason === undefined ? '' : `: ${s.reason}`;
  return `${s.sourceId}: ${s.status}${why} (${counts})`;
}

/**
 * Plain output for a pipe or a log: a line per event worth reading, progress at a slow
 * cadence, and bursts of cool-downs or retries (every task in flight hits the same limit)
 * told once.
 */
function createPlainReporter(tracker: Tracker, write: (line: string) => void, everyMs: number) {
  const lastProgressAt = new Map<string, number>();
  const coolingUntil = new Map<string, number>();
  const retryingUntil = new Map<string, number>();
  /** Workers whose config differs, per source: told once. */
  const mismatchTold = new Set<string>();

  /** True, and remembers the quiet period, unless one told earlier still runs. */
  const firstOfBurst = (until: Map<string, number>, id: string, now: number, delayMs: number) => {
    const previous = until.get(id);
    until.set(id, Math.max(previous ?? 0, now + delayMs));
    return previous === undefined || now >= previous;
  };

  return (event: SyncEvent, t: Tracked | undefined): void => {
    if (event.type === 'batches-waiting') {
      const ids = event.sources.map((s) => s.sourceId).join(', ');
      const storing = {
        batches: event.batches,
        ...(event.queue === undefined ? {} : { queue: event.queue }),
        ...(event.consumers === undefined ? {} : { consumers: event.consumers }),
      };
      write(`${storingText(storing)} (${ids}: every task fetched)`);
      return;
    }
    if (t === undefined) return;
    const now = tracker.now();
    const id = t.sourceId;
    switch (event.type) {
      case 'source-started':
        lastProgressAt.set(id, now);
        coolingUntil.delete(id);
        retryingUntil.delete(id);
        write(startedLine(t));
        return;
      case 'dropped':
        write(`${id}: dropped ${oneLine(event.key)}: ${oneLine(event.reason.message)}`);
        break;
      case 'cooled-down':
        if (firstOfBurst(coolingUntil, id, now, event.delayMs))
          write(
            `${id}: cooling down ${formatDuration(event.delayMs)} (${oneLine(event.reason.message)})`,
          );
        return;
      case 'retried':
        if (firstOfBurst(retryingUntil, id, now, event.delayMs))
          write(
            `${id}: retrying in ${formatDuration(event.delayMs)}, attempt ${event.attempt} (${oneLine(event.reason.message)})`,
          );
        return;
      case 'source-finished':
        write(finishedLine(t, tracker.snapshot(t)));
        return;
      case 'worker-mismatch':
        if (mismatchTold.has(`${id}\u0000${event.worker}`)) return;
        mismatchTold.add(`${id}\u0000${event.worker}`);
        write(`${id}: ${oneLine(event.message)}`);
        return;
      case 'task-done':
        break;
      default:
        return;
    }
    // A request finished (done or dropped): time for a progress line?
    if (now - (lastProgressAt.get(id) ?? now) >= everyMs) {
      lastProgressAt.set(id, now);
      write(plainProgressLine(tracker.snapshot(t)));
    } else if (!lastProgressAt.has(id)) lastProgressAt.set(id, now);
  };
}

// ---- The display -------------------------------------------------------------------------

/** Redraws the block in place: back up over the last frame, clear below, write the new one. */
function createTerminalRenderer(
  tracker: Tracker,
  stream: ProgressStream,
  intervalMs: number,
): { readonly changed: () => void; readonly flush: () => void; readonly stop: () => void } {
  let drawnLines = 0;
  let dirty = false;
  let lastDrawAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;

  const draw = () => {
    const sources = [...tracker.sources.values()].map((t) => tracker.snapshot(t));
    const lines = terminalFrame(
      sources,
      // A terminal that reports no size (0 columns, as some CI and container terminals do) gets 80.
      (stream.columns ?? 0) > 0 ? (stream.columns as number) : DEFAULT_COLUMNS,
      stream.rows,
      tracker.runEta(),
    );
    // `\x1b[0A` would still move up one line on most terminals: only back up over a frame drawn.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    stream.write(`${up}\r\x1b[0J${lines.map((l) => `${l}\n`).join('')}`);
    drawnLines = lines.length;
    dirty = false;
    lastDrawAt = tracker.now();
  };
  const tick = () => {
    if (dirty || tracker.now() - lastDrawAt >= REFRESH_MS) draw();
  };
  return {
    changed() {
      dirty = true;
      if (timer !== undefined) return;
      timer = setInterval(tick, intervalMs);
      // The display never keeps the process alive on its own.
      timer.unref();
    },
    /** Draws what is not on screen yet: the first frame, or changes since the last. */
    flush() {
      if (tracker.sources.size > 0 && (dirty || drawnLines === 0)) draw();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const tracker = new Tracker(options.plans ?? [], options.windows ?? {}, now);
  const { stream } = options;
  let finished = false;

  const state = (): ProgressState => {
    const eta = tracker.runEta();
    return {
      sources: [...tracker.sources.values()].map((t) => tracker.snapshot(t)),
      ...(eta === undefined ? {} : { eta }),
      quotas: Object.fromEntries(tracker.quotas),
    };
  };

  if (stream.isTTY !== true) {
    const report = createPlainReporter(
      tracker,
      (line) => stream.write(`${line}\n`),
      options.plainEveryMs ?? 10_000,
    );
    return {
      listener: (event) => report(event, tracker.apply(event)),
      finish: () => undefined,
      state,
    };
  }

  const renderer = createTerminalRenderer(tracker, stream, options.intervalMs ?? 100);
  return {
    listener(event) {
      tracker.apply(event);
      if (finished) return;
      if (event.type === 'run-finished') {
        // The run's last frame now; `finish` may come later, or never if the caller forgets.
        renderer.stop();
        renderer.flush();
      } else renderer.changed();
    },
    finish() {
      if (finished) return;
      finished = true;
      renderer.stop();
      renderer.flush();
    },
    state,
  };
}
