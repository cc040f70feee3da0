import {
  DsyncError,
  sleep,
  systemClock,
  zonedParts,
  type CheckpointStore,
  type Clock,
} from '@dsync/datasource';
import Bottleneck from 'bottleneck';
import { CancelledError, throwIfCancelled } from '../clients/cancelled-error.js';
import { nextMidnight } from '../clients/reset-time.js';
import { yieldPromptly } from './prompt-yield.js';
import type { RedisLimits } from './redis-cluster.js';

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
  /**
   * With `perInterface`: windows that every interface's calls count in together, for an
   * account capped as a whole as well as per interface. @default none
   */
  readonly accountWindows?: readonly RateWindow[];
}

export interface AccountLimiterOptions {
  /** The account's label: the quota scope in the checkpoint store (never its token). */
  readonly account: string;
  readonly limits: AccountLimits;
  /**
   * The limits of an api's scope, when they differ from the account's (a source's override).
   * @default the account's `limits` for every scope
   */
  readonly limitsOf?: (api: string) => AccountLimits;
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
  /** @default the system clock */
  readonly now?: Clock;
  /**
   * Limits shared with every other process on the same Redis: the windows, the day's count,
   * cool-downs and a provider's "daily limit reached". @default in this process only
   */
  readonly shared?: RedisLimits;
  /**
   * With `shared`: how long one call may hold its share of the limits. Keep it above the
   * client's request timeout; a process killed mid-call frees its share after it.
   * @default DEFAULT_JOB_EXPIRATION_MS (the default 30 s request timeout and 15 s)
   */
  readonly jobExpirationMs?: number;
}

/** The day's quota is spent; `resetsAt` is the next midnight in the provider's time zone. */
export class QuotaExhaustedError extends DsyncError {
  readonly scope: string;
  readonly resetsAt: string;

  /** `limit` undefined: the provider said so, not the count. */
  constructor(scope: string, limit: number | undefined, resetsAt: string) {
    super(
      'E_DAILY_LIMIT',
      `The daily quota of ${scope}${limit === undefined ? '' : ` (${limit} calls)`} is spent; it resets at ${resetsAt}.`,
    );
    this.scope = scope;
    this.resetsAt = resetsAt;
  }
}

/**
 * How long a call may hold its share of shared limits (ms): the default request timeout and a
 * margin. A process killed mid-call frees its share after this; a live one never reaches it,
 * as its request gives up first.
 */
export const DEFAULT_JOB_EXPIRATION_MS = 45_000;

/** A day's count in Redis outlives its day, whatever the time zone. */
const DAY_KEY_TTL_MS = 2 * 86_400_000;

/** The last answer per zone, by minute: a day starts on a minute in every zone, and formatting costs. */
const lastDays = new Map<string, { minute: number; day: string }>();

/** The calendar day of a time in a zone, `YYYY-MM-DD`; per request, so once a minute per zone. */
export function dayIn(time: number, timeZone: string): string {
  const minute = Math.floor(time / 60_000);
  const last = lastDays.get(timeZone);
  if (last?.minute === minute) return last.day;
  const day = zonedParts(time, timeZone).date;
  lastDays.set(timeZone, { minute, day });
  return day;
}

interface Lane {
  readonly scope: string;
  readonly limits: AccountLimits;
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
  /** Calls wait until then: a too-frequent answer cooled the account down. */
  coolUntil: number;
  /** The provider said the day is spent: calls are refused until it resets. */
  spentUntil: string | undefined;
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
  /** The account-wide windows every lane chains into, made with the first lane that needs them. */
  #accountCap: Bottleneck[] = [];
  /** Each lane's limits, by scope, for the snapshot (the lanes themselves are made asynchronously). */
  readonly #scopeLimits = new Map<string, AccountLimits>();
  readonly #now: () => number;
  /** Calls counted in `#used` but not yet in the store, per scope and day. */
  readonly #unsaved = new Map<string, UnsavedCount>();
  #saveTimer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  constructor(options: AccountLimiterOptions) {
    this.#options = options;
    this.#now = options.now ?? systemClock;
  }

  /**
   * Runs `task` once every limit has room, counting it against the day.
   * @param signal once aborted, a task still waiting is not run, nor counted
   * @throws QuotaExhaustedError when the day's quota is spent (the task is not run)
   * @throws CancelledError when `signal` aborted before the task's turn came
   */
  async schedule<T>(api: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lane = await this.#lane(api);
    if (this.#options.shared !== undefined) return this.#scheduleShared(lane, task, signal);
    // Checked before awaiting: an await per call costs the engine's pace (and shifts its timing).
    if (lane.coolUntil > this.#now()) await this.#coolingDown(lane);
    const { perDay } = lane.limits;
    const { timezone, checkpoints } = this.#options;
    const today = dayIn(this.#now(), timezone);
    if (today !== lane.day) {
      // A run that crosses midnight starts the new day's count.
      lane.day = today;
      const usage = await checkpoints.getQuotaUsage(lane.scope, today);
      this.#used.set(lane.scope, usage.used);
      lane.spentUntil = usage.spentUntil;
    }
    // The day is counted here, in memory (saved in the background), so no Bottleneck is needed
    // for it: each Bottleneck a job passes through costs a turn of the event loop.
    const used = this.#used.get(lane.scope) ?? 0;
    // The provider's word, not our count: the configured limit is not what was spent.
    if (lane.spentUntil !== undefined && this.#now() < Date.parse(lane.spentUntil))
      throw new QuotaExhaustedError(lane.scope, undefined, lane.spentUntil);
    if (perDay !== undefined && used >= perDay) {
      throw new QuotaExhaustedError(
        lane.scope,
        perDay,
        nextMidnight(timezone, new Date(this.#now())).toISOString(),
      );
    }
    this.#used.set(lane.scope, used + 1);
    // Counted for the store only once it runs: jobs dropped by `stop`, or cancelled while they
    // waited (the run stopped), never reached the provider.
    let started = false;
    const run = () => {
      started = true;
      if (signal?.aborted === true) {
        this.#release(lane.scope);
        throwIfCancelled(signal);
      }
      this.#countUnsaved(lane.scope, lane.day);
      return task();
    };
    try {
      if (lane.grant === 1) return await lane.rate.schedule(run);
      await this.#permit(lane);
    } catch (error) {
      if (!started) this.#release(lane.scope); // dropped by `stop` while it waited
      throw error;
    }
    return run();
  }

  /** Gives back a call counted in memory that never reached the provider. */
  #release(scope: string): void {
    this.#used.set(scope, Math.max(0, (this.#used.get(scope) ?? 0) - 1));
  }

  /**
   * The shared path: each call passes the Redis gate once Bottleneck's clustered windows let
   * it go, so the day's count, the stop and the cool-downs hold across processes exactly.
   */
  async #scheduleShared<T>(
    lane: Lane,
    task: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const shared = this.#options.shared as RedisLimits;
    const { perDay } = lane.limits;
    const { timezone } = this.#options;
    // Every job expires: a process killed while it runs one frees its share of the limits then.
    const expiration = this.#options.jobExpirationMs ?? DEFAULT_JOB_EXPIRATION_MS;
    for (;;) {
      throwIfCancelled(signal);
      let started = false;
      const scheduled = lane.rate.schedule<{ value: T } | { waitMs: number }>(
        { expiration },
        async () => {
          // Given up while it waited (see below): its turn passes at once, nothing counted.
          throwIfCancelled(signal);
          started = true;
          const now = new Date(this.#now());
          const day = dayIn(now.getTime(), timezone);
          const verdict = await shared.pass(lane.scope, day, perDay, DAY_KEY_TTL_MS);
          // Cooling down: the job ends at once, and the wait is outside it (a slot held by a
          // wait would be lost with a process killed during it).
          if (verdict.kind === 'wait') return { waitMs: verdict.waitMs };
          this.#used.set(lane.scope, verdict.used);
          if (verdict.kind === 'spent')
            throw new QuotaExhaustedError(
              lane.scope,
              verdict.resetsAt === undefined ? perDay : undefined,
              verdict.resetsAt ?? nextMidnight(timezone, now).toISOString(),
            );
          this.#countUnsaved(lane.scope, day);
          return { value: await task() };
        },
      );
      const passed = await untilAborted(scheduled, signal, () => started);
      if ('value' in passed) return passed.value;
      await sleep(passed.waitMs, signal);
    }
  }

  /** Waits out this process's cool-down of the lane (the shared path asks Redis instead). */
  async #coolingDown(lane: Lane): Promise<void> {
    for (let wait = lane.coolUntil - this.#now(); wait > 0; wait = lane.coolUntil - this.#now())
      await sleep(wait);
  }

  /**
   * A too-frequent answer: every call of the api's scope waits `ms` (in every process, when
   * shared), so one throttle does not turn into one per request in flight.
   */
  async coolDown(api: string, ms: number): Promise<void> {
    const lane = await this.#lane(api);
    lane.coolUntil = Math.max(lane.coolUntil, this.#now() + ms);
    await this.#options.shared?.coolDown(lane.scope, ms);
  }

  /** The provider said the day is spent: calls of the api's scope are refused (everywhere, when shared) until `resetsAt`. */
  async exhaust(api: string, resetsAt: string): Promise<void> {
    const lane = await this.#lane(api);
    lane.spentUntil = resetsAt;
    await Promise.all([
      this.#options.checkpoints.markQuotaSpent(lane.scope, lane.day, resetsAt),
      this.#options.shared?.exhaust(lane.scope, resetsAt),
    ]);
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
    return [...this.#used].map(([scope, used]) => {
      const { perDay } = this.#scopeLimits.get(scope) ?? this.#options.limits;
      return {
        scope,
        day,
        used,
        left: perDay === undefined ? undefined : Math.max(0, perDay - used),
      };
    });
  }

  /**
   * Stops every limiter (queued tasks are dropped: their promises reject) and saves the day's
   * counts.
   * @throws the store's error when the counts could not be saved
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const lanes = await Promise.all(this.#lanes.values());
    const limiters = [...lanes.flatMap((l) => [l.rate, ...l.others]), ...this.#accountCap];
    await Promise.all(limiters.map((b) => b.stop({ dropWaitingJobs: true })));
    // Leaves the shared connection (and stops the heartbeats) without closing it: it is the deployment's.
    if (this.#options.shared !== undefined)
      await Promise.all(limiters.map((b) => b.disconnect(false)));
    clearTimeout(this.#saveTimer);
    const saved = this.#saving.then(() => this.#save());
    this.#saving = saved.then(() => undefined);
    const failed = await saved;
    if (failed !== undefined) throw failed;
  }

  /**
   * The account-wide windows (`accountWindows`), made once and shared by every lane: the
   * strictest spaces calls as a lane's does, the others cap bursts; chained in that order.
   */
  #accountCapOf(spacingOf: (w: RateWindow) => number): Bottleneck[] {
    const { limits, shared, account } = this.#options;
    const windows = limits.perInterface === true ? (limits.accountWindows ?? []) : [];
    if (this.#accountCap.length > 0 || windows.length === 0) return this.#accountCap;
    const [strictest, ...others] = [...windows].sort((a, b) => spacingOf(b) - spacingOf(a));
    const idleMs = Math.max(600_000, ...windows.map((w) => 2 * w.windowMs));
    const inRedis = (name: string) =>
      shared?.bottleneckOptions(`${account}:account:${name}`, idleMs) ?? {};
    const spacing = spacingOf(strictest as RateWindow);
    this.#accountCap = [
      new Bottleneck({
        minTime: shared === undefined ? spacing : Math.ceil(spacing),
        ...reservoirOf(strictest as RateWindow),
        ...inRedis('rate'),
      }),
      ...others.map(
        (w) => new Bottleneck({ ...reservoirOf(w), ...inRedis(`window-${w.windowMs}`) }),
      ),
    ];
    this.#accountCap.forEach((limiter, i) => {
      yieldPromptly(limiter);
      const next = this.#accountCap[i + 1];
      if (next !== undefined) limiter.chain(next);
    });
    return this.#accountCap;
  }

  /** The scope an api's calls count in: the account's, or the interface's when limits are per interface. */
  scopeOf(api: string): string {
    const { limits, account } = this.#options;
    return limits.perInterface ? `${account}:${api}` : account;
  }

  #lane(api: string): Promise<Lane> {
    const scope = this.scopeOf(api);
    let lane = this.#lanes.get(scope);
    if (lane === undefined) {
      const limits = this.#options.limitsOf?.(api) ?? this.#options.limits;
      this.#scopeLimits.set(scope, limits);
      lane = this.#createLane(scope, limits);
      this.#lanes.set(scope, lane);
    }
    return lane;
  }

  async #createLane(scope: string, limits: AccountLimits): Promise<Lane> {
    const { timezone, checkpoints, shared } = this.#options;
    const safety = this.#options.safety ?? 0.01;
    const margin = this.#options.marginMs ?? 100;
    const spacingOf = (w: RateWindow) => (w.windowMs * (1 + safety) + margin) / w.limit;
    // The window that needs the widest spacing sets the pace; the others cap bursts through their reservoirs.
    const [strictest, ...others] = [...limits.windows].sort((a, b) => spacingOf(b) - spacingOf(a));
    const spacing = strictest === undefined ? 0 : spacingOf(strictest);
    // A millisecond's worth of calls per grant, never more than the smallest reservoir.
    const smallest = Math.min(...limits.windows.map((w) => w.limit));
    const accountCap = this.#accountCapOf(spacingOf);
    const grant =
      shared !== undefined || accountCap.length > 0
        ? 1 // a grant would hold calls back from the other processes, or from the other lanes
        : strictest === undefined
          ? Number.MAX_SAFE_INTEGER // no window: one grant for good
          : spacing >= 1
            ? 1
            : Math.max(1, Math.min(smallest, Math.floor(1 / spacing)));
    // Idle state in Redis outlives the longest window, so no process ever sees a window reset early.
    const idleMs = Math.max(600_000, ...limits.windows.map((w) => 2 * w.windowMs));
    const inRedis = (name: string) => shared?.bottleneckOptions(`${scope}:${name}`, idleMs) ?? {};
    const rate = new Bottleneck({
      // A grant weighs many calls: the caller bounds its requests in flight then.
      maxConcurrent: grant === 1 ? (limits.maxConcurrent ?? 4) : null,
      ...(strictest === undefined
        ? {}
        : {
            // On Redis, Bottleneck stalls for good on a fractional minTime (see redis-cluster.ts).
            minTime: shared === undefined ? spacing * grant : Math.ceil(spacing),
            ...reservoirOf(strictest),
          }),
      ...inRedis('rate'),
    });
    const chained = others.map(
      (w) => new Bottleneck({ ...reservoirOf(w), ...inRedis(`window-${w.windowMs}`) }),
    );
    for (const limiter of [rate, ...chained]) yieldPromptly(limiter);
    let tail = rate;
    for (const next of chained) {
      tail.chain(next);
      tail = next;
    }
    // Every lane's calls pass the account's own windows last.
    if (accountCap[0] !== undefined) tail.chain(accountCap[0]);
    const day = dayIn(this.#now(), timezone);
    const { used, spentUntil } = await checkpoints.getQuotaUsage(scope, day);
    this.#used.set(scope, used);
    if (shared !== undefined) {
      await Promise.all([rate, ...chained, ...accountCap].map((b) => b.ready()));
      await shared.seedDay(scope, day, used, DAY_KEY_TTL_MS);
      if (spentUntil !== undefined && Date.parse(spentUntil) > this.#now())
        await shared.exhaust(scope, spentUntil);
    }
    return {
      scope,
      limits,
      rate,
      others: chained,
      day,
      grant,
      permits: 0,
      granting: undefined,
      coolUntil: 0,
      // A stop a provider answered earlier today, in this process or another run.
      spentUntil,
    };
  }
}

/**
 * `scheduled`, or a CancelledError as soon as `signal` aborts while the job has not started
 * (`started()`): a job waiting on Redis for a slot that other processes' calls hold may wait
 * until their calls end or expire, minutes after a stop asked it to give up. The job stays in
 * Bottleneck's queue until the limiter stops, and passes its turn when it comes. A job that
 * started is waited for: its request is aborted by the same signal.
 */
async function untilAborted<T>(
  scheduled: Promise<T>,
  signal: AbortSignal | undefined,
  started: () => boolean,
): Promise<T> {
  if (signal === undefined) return scheduled;
  let giveUp = (): void => undefined;
  const givenUp = new Promise<never>((_, reject) => {
    giveUp = () => {
      if (!started()) reject(new CancelledError(undefined, { cause: signal.reason }));
    };
  });
  signal.addEventListener('abort', giveUp, { once: true });
  try {
    // The race listens to both: whichever loses settles unheard, harmlessly.
    return await Promise.race([scheduled, givenUp]);
  } finally {
    signal.removeEventListener('abort', giveUp);
  }
}
