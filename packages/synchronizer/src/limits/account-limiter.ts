import { DsyncError, type CheckpointStore } from '@dsync/datasource';
import Bottleneck from 'bottleneck';
import { nextMidnight } from '../clients/reset-time.js';
import { yieldPromptly } from './prompt-yield.js';

/**
 * An account's limits as Bottleneck limiters: per rate window, a reservoir that refills
 * every window and a minimum spacing of window / limit, so that no span of one window
 * ever holds more than the limit (the providers may count in sliding windows); per day, a
 * reservoir loaded from the checkpoint store, so the count survives restarts. Tushare
 * limits each interface on its own: `perInterface` gives each api its own set.
 */
export interface RateWindow {
  readonly limit: number;
  readonly windowMs: number;
}

export interface AccountLimits {
  /** Rate windows: Tushare one minute; NDL 10 s and 10 min. */
  readonly windows: readonly RateWindow[];
  /** Calls per day (per interface when `perInterface`). @default unlimited */
  readonly perDay?: number;
  /** Requests in flight at once. @default 4 */
  readonly maxConcurrent?: number;
  /** Whether limits count per interface (Tushare) or per account (NDL). @default false */
  readonly perInterface?: boolean;
}

export interface AccountLimiterOptions {
  /** The account's label: the quota scope in the checkpoint store (never its token). */
  readonly account: string;
  readonly limits: AccountLimits;
  readonly checkpoints: CheckpointStore;
  /** The time zone the quota day starts in. */
  readonly timezone: string;
  /**
   * Spacing slack: requests start at least `(windowMs × (1 + safety) + marginMs) / limit`
   * apart, so that jitter (a busy event loop, the network) never lands more than the limit
   * in one window of the server's. @default 0.01
   */
  readonly safety?: number;
  /** Absolute slack per window, for short windows where 1% is a few milliseconds. @default 100 */
  readonly marginMs?: number;
  /** How often the day's counts are written to the checkpoint store. @default 200 */
  readonly saveEveryMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The day's quota is spent; `resetsAt` is the next midnight in the provider's time zone. */
export class QuotaExhaustedError extends DsyncError {
  readonly scope: string;
  readonly resetsAt: string;

  constructor(scope: string, limit: number, resetsAt: string) {
    super(
      'E_DAILY_LIMIT',
      `The daily quota of ${scope} (${limit} calls) is spent; it resets at ${resetsAt}.`,
    );
    this.scope = scope;
    this.resetsAt = resetsAt;
  }
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The last answer per zone, by minute: a day starts on a minute in every zone, and formatting costs. */
const lastDays = new Map<string, { minute: number; day: string }>();

/** The calendar day of a time in a zone, `YYYY-MM-DD` (formatters are costly to build: one per zone). */
export function dayIn(time: number, timeZone: string): string {
  const minute = Math.floor(time / 60_000);
  const last = lastDays.get(timeZone);
  if (last?.minute === minute) return last.day;
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  const day = format.format(time);
  lastDays.set(timeZone, { minute, day });
  return day;
}

interface Lane {
  readonly scope: string;
  /** The strictest window's reservoir, with the spacing and the concurrency. */
  readonly rate: Bottleneck;
  /** The other windows' reservoirs, chained after it (NDL's 10 minutes). */
  readonly others: readonly Bottleneck[];
  /** The quota day the count in `#used` belongs to. */
  day: string;
  /** Calls one Bottleneck job grants (see `#permit`); 1 where the pace is a millisecond or slower. */
  readonly grant: number;
  /** Calls granted and not yet made. */
  permits: number;
  /** The grant being waited for, if any. */
  granting: Promise<void> | undefined;
}

interface UnsavedCount {
  readonly scope: string;
  readonly day: string;
  calls: number;
}

export interface QuotaSnapshot {
  readonly scope: string;
  readonly day: string;
  /** Calls made today (persisted). */
  readonly used: number;
  /** Calls left today; undefined without a daily limit. */
  readonly left: number | undefined;
}

/** A window's reservoir as Bottleneck options. Refills are checked on the heartbeat: keep it well under the window. */
const reservoirOf = (w: RateWindow) => ({
  reservoir: w.limit,
  reservoirRefreshAmount: w.limit,
  reservoirRefreshInterval: w.windowMs,
  heartbeatInterval: Math.max(10, Math.min(250, Math.floor(w.windowMs / 20))),
});

export class AccountLimiter {
  readonly #options: AccountLimiterOptions;
  readonly #lanes = new Map<string, Promise<Lane>>();
  readonly #used = new Map<string, number>();
  readonly #now: () => number;
  /** Calls counted in `#used` but not yet in the store, per scope and day. */
  readonly #unsaved = new Map<string, UnsavedCount>();
  #saveTimer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(options: AccountLimiterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Runs `task` once every limit has room, counting it against the day.
   * @throws QuotaExhaustedError when the day's quota is spent (the task is not run)
   */
  async schedule<T>(api: string, task: () => Promise<T>): Promise<T> {
    const lane = await this.#lane(api);
    const { perDay } = this.#options.limits;
    const { timezone, checkpoints } = this.#options;
    const today = dayIn(this.#now(), timezone);
    if (today !== lane.day) {
      // A run that crosses midnight starts the new day's count.
      lane.day = today;
      this.#used.set(lane.scope, (await checkpoints.getQuotaUsage(lane.scope, today)).used);
    }
    // The day is counted here, in memory (saved in the background), so no Bottleneck is needed
    // for it: each Bottleneck a job passes through costs a turn of the event loop.
    const used = this.#used.get(lane.scope) ?? 0;
    if (perDay !== undefined && used >= perDay) {
      throw new QuotaExhaustedError(
        lane.scope,
        perDay,
        nextMidnight(timezone, new Date(this.#now())).toISOString(),
      );
    }
    this.#used.set(lane.scope, used + 1);
    if (lane.grant === 1)
      return lane.rate.schedule(() => {
        // Counted for the store only once it runs: jobs dropped by `stop` never reached the provider.
        this.#countUnsaved(lane.scope, lane.day);
        return task();
      });
    await this.#permit(lane);
    this.#countUnsaved(lane.scope, lane.day);
    return task();
  }

  /**
   * Takes one call from the lane's granted permits, asking Bottleneck for a grant when none
   * are left. Bottleneck starts jobs on timers, so it spaces them no finer than a millisecond,
   * and each job costs it about 0.2 ms of CPU: where the limits allow more than one call per
   * millisecond, one job (weighing as many calls in every reservoir) grants a millisecond's
   * worth. The limits hold exactly as before; Bottleneck does a fraction of the work.
   */
  async #permit(lane: Lane): Promise<void> {
    while (lane.permits === 0) {
      lane.granting ??= lane.rate
        .schedule({ weight: lane.grant }, () => {
          lane.permits += lane.grant;
          return Promise.resolve();
        })
        .finally(() => {
          lane.granting = undefined;
        });
      await lane.granting;
    }
    lane.permits--;
  }

  /**
   * The day's count reaches the store in the background, every `saveEveryMs`, and on `stop`:
   * one write per interval instead of one per call, which cost more than the rest of the
   * engine's work per request. A crash loses at most the last interval's counts; the
   * provider's own daily-limit answer still stops a run that goes past the limit then.
   */
  #countUnsaved(scope: string, day: string): void {
    const id = `${scope}\u0000${day}`;
    const entry = this.#unsaved.get(id);
    if (entry === undefined) this.#unsaved.set(id, { scope, day, calls: 1 });
    else entry.calls++;
    if (this.#saveTimer === undefined) {
      this.#saveTimer = setTimeout(() => {
        this.#saving = this.#saving.then(async () => void (await this.#save()));
      }, this.#options.saveEveryMs ?? 200);
      this.#saveTimer.unref();
    }
  }

  /**
   * Writes the unsaved counts; a failed write puts them back for the next save.
   * @returns the failure, if one write failed (`stop` reports it)
   */
  async #save(): Promise<Error | undefined> {
    this.#saveTimer = undefined;
    const counts = [...this.#unsaved.values()];
    this.#unsaved.clear();
    const results = await Promise.allSettled(
      counts.map((c) => this.#options.checkpoints.addQuotaUsage(c.scope, c.day, c.calls)),
    );
    let failed: Error | undefined;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const c = counts[i] as UnsavedCount;
      const id = `${c.scope}\u0000${c.day}`;
      const entry = this.#unsaved.get(id);
      if (entry === undefined) this.#unsaved.set(id, { ...c });
      else entry.calls += c.calls;
      failed = result.reason as Error;
    });
    return failed;
  }

  /** Today's use per scope. */
  snapshot(): QuotaSnapshot[] {
    const day = dayIn(this.#now(), this.#options.timezone);
    const { perDay } = this.#options.limits;
    return [...this.#used].map(([scope, used]) => ({
      scope,
      day,
      used,
      left: perDay === undefined ? undefined : Math.max(0, perDay - used),
    }));
  }

  /**
   * Stops every limiter (queued tasks are dropped: their promises reject) and saves the day's
   * counts.
   * @throws the store's error when the counts could not be saved
   */
  async stop(): Promise<void> {
    const lanes = await Promise.all(this.#lanes.values());
    const limiters = lanes.flatMap((l) => [l.rate, ...l.others]);
    await Promise.all(limiters.map((b) => b.stop({ dropWaitingJobs: true })));
    clearTimeout(this.#saveTimer);
    const saved = this.#saving.then(() => this.#save());
    this.#saving = saved.then(() => undefined);
    const failed = await saved;
    if (failed !== undefined) throw failed;
  }

  #lane(api: string): Promise<Lane> {
    const { limits, account } = this.#options;
    const scope = limits.perInterface ? `${account}:${api}` : account;
    let lane = this.#lanes.get(scope);
    if (lane === undefined) {
      lane = this.#createLane(scope);
      this.#lanes.set(scope, lane);
    }
    return lane;
  }

  async #createLane(scope: string): Promise<Lane> {
    const { limits, timezone, checkpoints } = this.#options;
    const safety = this.#options.safety ?? 0.01;
    const margin = this.#options.marginMs ?? 100;
    const spacingOf = (w: RateWindow) => (w.windowMs * (1 + safety) + margin) / w.limit;
    // The window that needs the widest spacing sets the pace; the others cap bursts through their reservoirs.
    const [strictest, ...others] = [...limits.windows].sort((a, b) => spacingOf(b) - spacingOf(a));
    const spacing = strictest === undefined ? 0 : spacingOf(strictest);
    // A millisecond's worth of calls per grant, never more than the smallest reservoir.
    const smallest = Math.min(...limits.windows.map((w) => w.limit));
    const grant =
      strictest === undefined
        ? Number.MAX_SAFE_INTEGER // no window: one grant for good
        : spacing >= 1
          ? 1
          : Math.max(1, Math.min(smallest, Math.floor(1 / spacing)));
    const rate = new Bottleneck({
      // A grant weighs many calls: the caller bounds its requests in flight then.
      maxConcurrent: grant === 1 ? (limits.maxConcurrent ?? 4) : null,
      ...(strictest === undefined ? {} : { minTime: spacing * grant, ...reservoirOf(strictest) }),
    });
    const chained = others.map((w) => new Bottleneck(reservoirOf(w)));
    for (const limiter of [rate, ...chained]) yieldPromptly(limiter);
    let tail = rate;
    for (const next of chained) {
      tail.chain(next);
      tail = next;
    }
    const day = dayIn(this.#now(), timezone);
    this.#used.set(scope, (await checkpoints.getQuotaUsage(scope, day)).used);
    return { scope, rate, others: chained, day, grant, permits: 0, granting: undefined };
  }
}
