import { randomUUID } from 'node:crypto';
import {
  addDays,
  cursorAfterSync,
  freshnessOf,
  generateArgs,
  planArgs,
  unsettledOf,
  type DateRange,
  type Freshness,
  type RangeOptions,
} from '@dsync/arg-generation';
import {
  DsyncError,
  PROVIDER_PROFILES,
  systemClock,
  type ArgContext,
  type Clock,
  type CheckpointStore,
  type DataSource,
  type DataSourceRegistry,
  type LedgerError,
  type Provider,
  type RequestArgs,
  type RunStatus,
  type Sink,
  type SourceState,
  type TaskQueue,
} from '@dsync/datasource';
import type { ProviderClient } from '../clients/provider-client.js';
import { DEFAULT_ERROR_POLICY, type ErrorPolicyOptions } from '../error-policy.js';
import { AccountLimiter, dayIn } from '../limits/account-limiter.js';
import { SyncEvents } from '../engine/events.js';
import { failureOf, SourceHalt, syncSource, type SourceResult } from '../engine/sync-source.js';
import { runGraph, runOutcome } from './run-graph.js';
import { enqueueSource } from '../distributed/enqueue.js';
import { triage } from '../engine/claim-tasks.js';
import type { AccountConfig } from './accounts.js';
import { Limiters } from '../limits/limiters.js';
import { auditSources, type SourceAudit } from './audit.js';
import {
  estimateOf,
  estimatingContext,
  keysNotStored,
  type PlanCount,
  type PlanEstimate,
} from './plan-estimate.js';
import { QuotaMeter } from './quota-meter.js';
import { cursorBefore, droppedRequests, staleTasks, type DroppedRequests } from './dropped.js';
import { digestOf } from '../clients/settings-digest.js';
import { misconfigurationOf } from '../engine/misconfiguration.js';

/** Where data and ledger live: a sink, the checkpoint store, and what arg generation reads. */
export interface ControllerStorage {
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  argContext(sourceOf: (id: string) => DataSource | undefined): ArgContext;
  /** Rows stored for a source, for status; a storage that cannot count leaves it out. */
  countRows?(source: DataSource): Promise<number>;
  /** The latest date a source's table holds in a date field, for status; a storage that cannot tell leaves it out. */
  latestDate?(source: DataSource, field: string): Promise<string | undefined>;
  /**
   * Refuses sources it cannot store yet (a table that needs a migration), before a run asks
   * anything; a storage with nothing to check leaves it out.
   */
  check?(sources: readonly DataSource[]): Promise<void>;
}

/** Where one source stands. */
export interface SourceStatus extends SourceState {
  /** Tasks that failed for good (auth, permission, unknown answers). */
  readonly failedTasks: number;
  /** Rows stored, when the storage can count them. */
  readonly rows?: number;
  /** Calls made today against the quota the source spends (its account's, or its interface's). */
  readonly quotaUsedToday: number;
  /**
   * The days not settled yet through the latest published one: every sync asks them again
   * until they settle. Absent when there are none.
   */
  readonly unsettled?: DateRange;
  /** The latest day of its coverage's date field stored. */
  readonly latestStored?: string;
  /** Its dropped requests, when it has any: the cursor stays before the first one's day. */
  readonly dropped?: DroppedRequests;
  /**
   * How far behind the provider the table is, in its grid's days: 0 is current. Absent for a
   * source without a grid (a snapshot, no coverage) or before its calendar is stored.
   */
  readonly freshness?: Freshness;
}

export interface SyncControllerOptions {
  readonly registry: DataSourceRegistry;
  readonly storage: ControllerStorage;
  /** A client per provider used (the CLI wires the real ones, tests the sandbox's). */
  readonly clients: Partial<Record<Provider, ProviderClient>>;
  /** Labels and limits per provider's account. @default label "default", the documented limits */
  readonly accounts?: Partial<Record<Provider, AccountConfig>>;
  /** @default DEFAULT_ERROR_POLICY */
  readonly policy?: Partial<ErrorPolicyOptions>;
  /** Recorded with each task in the ledger. */
  readonly worker?: string;
  /**
   * dsync's clock: what is published and settled is judged by it, the ledger's times and
   * daily quotas are counted on it, and a provider's daily stop expires by it; give the
   * clients the same one. @default the system clock
   */
  readonly clock?: Clock;
}

export interface SyncOptions {
  /** The sources to sync (with what they depend on). @default every unsynced source */
  readonly ids?: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly signal?: AbortSignal;
  /** The clock the run's range is computed on. @default the controller's clock */
  readonly now?: Date;
  /**
   * Ask the sources' dropped requests again. Without it, they are asked again only when a
   * source's definition or its account's settings (address, credential) changed since.
   */
  readonly retryDropped?: boolean;
}

/** What a plan takes: a sync's options, without the signal (a plan is quick and makes no request). */
export type PlanOptions = Omit<SyncOptions, 'signal'>;

export interface RunResult {
  readonly runId: string;
  readonly status: Exclude<RunStatus, 'running'>;
  readonly sources: readonly SourceResult[];
  readonly reason?: LedgerError;
  readonly resumeAfter?: string;
}

export interface SourcePlan {
  readonly sourceId: string;
  readonly api: string;
  /** What a sync would request; with `count` other than `exact`, an estimate or 0. */
  readonly requests: number;
  /** At the account's rate limits, not counting answer times. */
  readonly etaMs: number;
  /** Days of the daily quota the requests need (1 when they fit in one). */
  readonly days: number;
  /**
   * `exact`: what a sync requests. `estimate`: open days counted as weekdays where the stored
   * calendar is missing or short of the range (a sync stores the calendar first, then counts
   * exactly). `unknown`: a fan-out's keys are not stored yet; `requests` is 0 until they are.
   */
  readonly count: PlanCount;
  /** Why the count is not exact, e.g. `counted once tushare.stock_basic is stored`. */
  readonly note?: string;
}

export interface AuditOptions extends Pick<SyncOptions, 'since' | 'until' | 'now'> {
  /** The sources to audit. @default every source whose `coverage` says what a complete table holds */
  readonly ids?: readonly string[];
  /** Queue the requests that fill the holes as pending tasks: the next sync fetches them. */
  readonly backfill?: boolean;
  /**
   * Leave out of the backfill the holes the provider confirmed: its final answer for them
   * (asked after their day settled) is in the ledger. What a daemon does after each run, so
   * that a suspension is not asked for again and again. @default false
   */
  readonly skipConfirmed?: boolean;
}

/** A daemon's check of one source's settled days against its coverage grid. */
export interface SettledCheck {
  readonly sourceId: string;
  /** The settled days checked. */
  readonly range: DateRange;
  /** Grid cells not stored. */
  readonly missing?: number;
  /** Requests queued for the next sync to fill them. */
  readonly queued?: number;
  /** Holes the provider's final answer confirmed: not asked again. */
  readonly confirmed?: number;
  /** Why the source could not be checked (its calendar or keys not stored yet). */
  readonly error?: LedgerError;
}

/** One quota a source's calls count in: its rate windows (this process's calls) and its day (the ledger's). */
export interface QuotaGauge {
  /** `provider:label`, with `:api` when the limits count per interface. */
  readonly scope: string;
  readonly provider: Provider;
  readonly label: string;
  readonly windows: readonly {
    readonly limit: number;
    readonly windowMs: number;
    readonly used: number;
    readonly left: number;
  }[];
  readonly day: {
    readonly day: string;
    readonly used: number;
    readonly limit?: number;
    readonly left?: number;
  };
}

/** A local run's shared parts, as its sources run. */
interface LocalRun {
  readonly id: string;
  readonly now: Date;
  readonly options: SyncOptions;
  readonly context: ArgContext;
  readonly signal: AbortSignal;
  /** Each running source's own stop. */
  readonly running: Map<string, AbortController>;
}

/** A settings digest is two halves: the definition's, then the account's. */
const DIGEST_HALF = 16;

/** Longer windows are left to the day's count: keeping a timestamp per call for them costs. */
const METERED_MS = 3_600_000;

/** Queued for fetch workers: the run stays `running` until `settleQueued` closes it. */
export interface EnqueueResult {
  readonly runId: string;
  /** `running` once tasks are queued; how the local part ended when it did not finish. */
  readonly status: RunStatus;
  /** The run that synced, here, the sources the queued ones read. */
  readonly synced?: RunResult;
  readonly queued: readonly { readonly sourceId: string; readonly tasks: number }[];
}

/**
 * Where a source's first check starts: its `since`, or the stored calendar's first day when
 * that is later (a source synced from a later day than its definition's `since`).
 */
async function firstCheckedDay(source: DataSource, context: ArgContext) {
  const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
  const { since } = source.sync;
  if (leaf.kind !== 'trade-calendar' || since === undefined) return since;
  const calendar = await context.tradeCalendar(leaf.calendar, leaf.exchange);
  return calendar !== undefined && calendar.first > since ? calendar.first : since;
}

/**
 * Why a source was not synced: a source it reads did not finish. It ends as that source did
 * (a limit is waited out, a failure is fixed), so the run's ending and exit code say the same.
 */
function dependencyReason(
  id: string,
  dependency: SourceResult,
): Pick<SourceResult, 'status' | 'reason' | 'resumeAfter'> {
  const why = dependency.reason?.message ?? dependency.status;
  switch (dependency.status) {
    case 'stopped':
      return {
        status: 'stopped',
        reason: {
          code: 'E_DEPENDENCY_STOPPED',
          message: `${id} was not synced: it reads ${dependency.sourceId}, which stopped (${why})`,
        },
        ...(dependency.resumeAfter === undefined ? {} : { resumeAfter: dependency.resumeAfter }),
      };
    case 'cancelled':
      return {
        status: 'cancelled',
        reason: { code: 'E_CANCELLED', message: `${id} was not synced: the run was cancelled.` },
      };
    default:
      return {
        status: 'failed',
        reason: {
          code: 'E_DEPENDENCY_FAILED',
          message: `${id} was not synced: it reads ${dependency.sourceId}, which failed (${why})`,
        },
      };
  }
}

/** Sortable by start, unique across processes. */
const runIdOf = (now: Date) =>
  `run-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;

const rangeOf = (options: PlanOptions) => ({
  ...(options.since === undefined ? {} : { since: options.since }),
  ...(options.until === undefined ? {} : { until: options.until }),
});

/**
 * The one entry point both presentations call: sync what is unsynced (or named sources) in
 * dependency order, plan a sync, report status, cancel.
 */
export class SyncController {
  readonly events = new SyncEvents();
  readonly #options: SyncControllerOptions;
  readonly #limiters: Limiters;
  readonly #meter = new QuotaMeter(METERED_MS);
  #current: AbortController | undefined;

  constructor(options: SyncControllerOptions) {
    this.#options = options;
    this.#limiters = new Limiters({
      sources: options.registry.list(),
      checkpoints: options.storage.checkpoints,
      ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    // One task-started event is one call: the rate gauges count them.
    this.events.on((event) => {
      if (event.type !== 'task-started' || !options.registry.has(event.sourceId)) return;
      this.#meter.record(
        this.#limiters.scopeOf(options.registry.get(event.sourceId)),
        this.#clock(),
      );
    });
  }

  /** Whether a run is in progress. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Cancels the run in progress, if any: it checkpoints and resolves as `cancelled`. */
  cancel(): void {
    this.#current?.abort(new DsyncError('E_CANCELLED', 'Cancelled by the user.'));
  }

  /**
   * Distributed mode: the sources other sources read (the calendar, the symbol list) are
   * synced here, since the rest's args are generated from them; the rest's tasks go on the
   * queue for fetch workers, recorded pending in the ledger under a new run.
   */
  async enqueue(queue: TaskQueue, options: PlanOptions = {}): Promise<EnqueueResult> {
    const { storage, registry } = this.#options;
    const now = options.now ?? new Date(this.#clock());
    const askedAgain = await this.#askAgainAll(options);
    const targets = await this.#targets(options.ids, now, askedAgain);
    await storage.check?.(targets);
    const read = new Set(targets.flatMap((s) => registry.dependenciesOf(s.id)));
    const local = targets.filter((s) => read.has(s.id)).map((s) => s.id);
    const synced = local.length === 0 ? undefined : await this.sync({ ...options, ids: local });
    const runId = runIdOf(now);
    if (synced !== undefined && synced.status !== 'done')
      return { runId: synced.runId, status: synced.status, synced, queued: [] };
    const remote = targets.filter((s) => !read.has(s.id));
    await storage.checkpoints.startRun({
      id: runId,
      sourceIds: remote.map((s) => s.id),
      startedAt: now.toISOString(),
    });
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    const queued: { sourceId: string; tasks: number }[] = [];
    for (const source of remote) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const args = generateArgs(source, context, { ...rangeOf(options), state, now });
      const tasks = await enqueueSource(
        source,
        args,
        runId,
        storage.checkpoints,
        queue,
        this.#clock(),
      );
      queued.push({ sourceId: source.id, tasks });
    }
    return { runId, status: 'running', queued, ...(synced === undefined ? {} : { synced }) };
  }

  /**
   * Closes a queued run once fetch workers have settled every task of its sources: moves their
   * cursors over the range (the same `options` as the enqueue) and records how it ended.
   * @returns the ending, or undefined while tasks are left
   */
  async settleQueued(
    runId: string,
    options: PlanOptions = {},
  ): Promise<Exclude<RunStatus, 'running'> | undefined> {
    const { checkpoints } = this.#options.storage;
    const run = await checkpoints.getRun(runId);
    if (run === undefined) throw new DsyncError('E_NO_RUN', `No run ${runId} in the ledger.`);
    if (run.status !== 'running') return run.status;
    // Failed tasks are unfinished for the ledger, yet no worker takes them again: only pending or running ones wait.
    for (const id of run.sourceIds)
      for (const status of ['pending', 'running'] as const)
        if ((await checkpoints.listTasks({ sourceId: id, status, limit: 1 })).length > 0)
          return undefined;
    const [failed] = await checkpoints.listTasks({ runId, status: 'failed', limit: 1 });
    if (failed !== undefined) {
      await checkpoints.finishRun(runId, 'failed', failed.lastError);
      return 'failed';
    }
    const now = options.now ?? new Date(this.#clock());
    const { registry, storage } = this.#options;
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    for (const id of run.sourceIds) {
      const state = await checkpoints.getSourceState(id);
      await this.#advanceCursor(registry.get(id), context, { ...rangeOf(options), state, now });
    }
    await checkpoints.finishRun(runId, 'done');
    return 'done';
  }

  /** Syncs source by source in dependency order; a source that stops at a limit or fails stops the run. */
  async sync(options: SyncOptions = {}): Promise<RunResult> {
    if (this.#current !== undefined)
      throw new DsyncError('E_BUSY', 'A run is already in progress.');
    const abort = new AbortController();
    this.#current = abort;
    const onAbort = () => abort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const now = options.now ?? new Date(this.#clock());
    const { storage, registry } = this.#options;
    const runId = runIdOf(now);
    const results: SourceResult[] = [];
    let outcome: Pick<RunResult, 'status' | 'reason' | 'resumeAfter'> = { status: 'done' };
    try {
      const askedAgain = await this.#askAgainAll(options);
      const sources = await this.#targets(options.ids, now, askedAgain);
      await storage.check?.(sources);
      await storage.checkpoints.startRun({
        id: runId,
        sourceIds: sources.map((s) => s.id),
        startedAt: now.toISOString(),
      });
      this.events.emit({ type: 'run-started', runId, sourceIds: sources.map((s) => s.id) });
      const run: LocalRun = {
        id: runId,
        now,
        options,
        context: storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined)),
        signal: abort.signal,
        running: new Map(),
      };
      const graph = await runGraph<SourceResult>({
        ids: sources.map((s) => s.id),
        dependenciesOf: (id) => registry.dependenciesOf(id),
        run: (id) => this.#syncOne(registry.get(id), run),
        heldBack: (id, ended) => this.#heldBack(registry.get(id), ended, runId),
        notRun: (id, dependency) => this.#notSynced(id, dependencyReason(id, dependency), runId),
        notStarted: (id) =>
          this.#notSynced(
            id,
            {
              status: 'cancelled',
              reason: {
                code: 'E_CANCELLED',
                message: 'The run was cancelled before it started.',
              },
            },
            runId,
          ),
        signal: abort.signal,
      });
      results.push(...graph.results);
      outcome = runOutcome(graph.byEnd);
    } catch (error) {
      outcome = { status: 'failed', reason: failureOf(error) };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.#current = undefined;
      await this.#limiters.stop();
    }
    await storage.checkpoints.finishRun(runId, outcome.status, outcome.reason, outcome.resumeAfter);
    this.events.emit({ type: 'run-finished', runId, ...outcome });
    return { runId, ...outcome, sources: results };
  }

  /**
   * What a sync would ask for, per source, with its time at the account's limits and its days
   * against the daily quota. Counted before what it reads is stored, a source's plan says
   * so (`count`, `note`): open days are estimated as weekdays, a fan-out's keys are unknown.
   */
  async plan(options: PlanOptions = {}): Promise<SourcePlan[]> {
    const { storage, registry } = this.#options;
    const now = options.now ?? new Date(this.#clock());
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    // Plans only, never runs: a sync reads `context` and requests no day a calendar has not confirmed open.
    const estimating = estimatingContext(context);
    const plans: SourcePlan[] = [];
    for (const source of await this.#targets(options.ids, now)) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const limits = this.#limiters.limitsOf(source);
      let requests = 0;
      let estimate: PlanEstimate;
      try {
        const counted = await planArgs(source, estimating, {
          since: options.since,
          until: options.until,
          state,
          now,
        });
        requests = counted.requests;
        estimate = await estimateOf(source, context, counted.range);
        // Counted by arithmetic, unless the ledger holds tasks of the source: then a sync skips
        // the answers that are final and resumes what is left, so count what it would ask.
        if (
          estimate.count === 'exact' &&
          (await storage.checkpoints.listTasks({ sourceId: source.id, limit: 1 })).length > 0
        ) {
          const range = { since: options.since, until: options.until, state, now };
          const reopens =
            options.retryDropped === true || state.settings !== this.#settingsOf(source).digest;
          requests = await this.#countAsked(
            source,
            generateArgs(source, context, range),
            now,
            reopens,
          );
        }
      } catch (error) {
        // A fan-out whose keys are not stored yet is counted once they are (the run plans it again).
        if (!(error instanceof DsyncError) || error.code !== 'E_MISSING_DEPENDENCY') throw error;
        estimate = keysNotStored(source);
      }
      const perMs = Math.min(...limits.windows.map((w) => w.limit / w.windowMs));
      plans.push({
        sourceId: source.id,
        api: source.api,
        requests,
        etaMs: perMs > 0 && Number.isFinite(perMs) ? Math.ceil(requests / perMs) : 0,
        days: limits.perDay === undefined ? 1 : Math.max(1, Math.ceil(requests / limits.perDay)),
        ...estimate,
      });
    }
    return plans;
  }

  /**
   * The requests a sync of these args would make: what earlier runs left (with the dropped
   * ones when they are to be asked again), then the args not final in the ledger.
   */
  async #countAsked(
    source: DataSource,
    args: AsyncIterable<RequestArgs>,
    now: Date,
    reopens: boolean,
  ): Promise<number> {
    const { checkpoints } = this.#options.storage;
    const dropped = reopens
      ? await checkpoints.listTasks({
          sourceId: source.id,
          status: 'dropped',
          limit: Number.MAX_SAFE_INTEGER,
        })
      : [];
    const unfinished = await checkpoints.unfinishedTasks(source.id);
    const left = new Set([...unfinished, ...dropped].map((t) => t.key));
    let asked = left.size;
    let batch: RequestArgs[] = [];
    const count = async () => {
      const { fresh, again } = await triage(checkpoints, source, batch, now.getTime());
      asked += fresh.length + again.length;
      batch = [];
    };
    for await (const a of args) {
      if (left.has(a.key)) continue;
      batch.push(a);
      if (batch.length === 500) await count();
    }
    await count();
    return asked;
  }

  /**
   * Per source: where it stands (the last settled day, the unsettled tail, the last sync),
   * how far behind the provider its table is, rows stored, what is pending or failed, quota
   * used today.
   */
  async status(now: Date = new Date(this.#clock())): Promise<SourceStatus[]> {
    const { storage, registry } = this.#options;
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    const out: SourceStatus[] = [];
    for (const source of registry.list()) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const failed = await storage.checkpoints.listTasks({
        sourceId: source.id,
        status: 'failed',
        limit: 10_000,
      });
      const day = dayIn(now.getTime(), PROVIDER_PROFILES[source.provider].timezone);
      const quota = await storage.checkpoints.getQuotaUsage(this.#limiters.scopeOf(source), day);
      const rows = storage.countRows === undefined ? undefined : await storage.countRows(source);
      const field = source.coverage?.dateField;
      const latestStored =
        field === undefined || storage.latestDate === undefined
          ? undefined
          : await storage.latestDate(source, field);
      const freshness = await freshnessOf(source, context, latestStored, now);
      const unsettled = await unsettledOf(source, context, state.cursor, now);
      const dropped = await droppedRequests(storage.checkpoints, source.id);
      out.push({
        ...state,
        failedTasks: failed.length,
        quotaUsedToday: quota.used,
        ...(rows === undefined ? {} : { rows }),
        ...(unsettled === undefined ? {} : { unsettled }),
        ...(latestStored === undefined ? {} : { latestStored }),
        ...(freshness === undefined ? {} : { freshness }),
        ...(dropped === undefined ? {} : { dropped }),
      });
    }
    return out;
  }

  /**
   * What is missing from stored tables against their calendar grid, per source; with
   * `backfill`, the requests that fill the holes are queued for the next sync.
   */
  async audit(options: AuditOptions = {}): Promise<SourceAudit[]> {
    const { storage, registry } = this.#options;
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    // Named sources are audited or refused with the reason; unnamed ones, those that say what a complete table holds.
    const sources =
      options.ids !== undefined && options.ids.length > 0
        ? options.ids.map((id) => registry.get(id))
        : registry.list().filter((s) => s.coverage !== undefined);
    return auditSources(sources, context, storage.checkpoints, {
      ...options,
      now: options.now ?? new Date(this.#clock()),
    });
  }

  /**
   * What a daemon does after each run, so that nothing waits for a person: audits each source
   * with a coverage grid over its settled days not checked yet (after `checked[id]`, else from
   * its `since`) and queues the holes its provider has not confirmed for the next sync. A hole
   * whose final answer is in the ledger (a suspension, a company that did not file) is left.
   */
  async queueSettledHoles(
    checked: ReadonlyMap<string, string> = new Map(),
  ): Promise<SettledCheck[]> {
    const { storage, registry } = this.#options;
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    const checks: SettledCheck[] = [];
    for (const source of registry.list().filter((s) => s.coverage !== undefined)) {
      const { cursor } = await storage.checkpoints.getSourceState(source.id);
      const last = checked.get(source.id);
      const since = last === undefined ? await firstCheckedDay(source, context) : addDays(last, 1);
      if (cursor === undefined || since === undefined || since > cursor) continue;
      const range = { start: since, end: cursor };
      try {
        const [report] = await this.audit({
          ids: [source.id],
          since,
          until: cursor,
          backfill: true,
          skipConfirmed: true,
        });
        checks.push({
          sourceId: source.id,
          range,
          missing: report?.missing ?? 0,
          queued: report?.queued ?? 0,
          confirmed: report?.confirmed ?? 0,
        });
      } catch (error) {
        // A source whose calendar or keys are not stored yet is checked once they are.
        if (!(error instanceof DsyncError)) throw error;
        checks.push({
          sourceId: source.id,
          range,
          error: { code: error.code, message: error.message },
        });
      }
    }
    return checks;
  }

  /** Every quota the registry's sources count in: used and left in each rate window and in the day. */
  async quota(now: Date = new Date(this.#clock())): Promise<QuotaGauge[]> {
    const gauges = new Map<string, Promise<QuotaGauge>>();
    for (const source of this.#options.registry.list()) {
      const scope = this.#limiters.scopeOf(source);
      if (!gauges.has(scope)) gauges.set(scope, this.#gauge(source, scope, now));
    }
    return Promise.all(gauges.values());
  }

  async #gauge(source: DataSource, scope: string, now: Date): Promise<QuotaGauge> {
    const limits = this.#limiters.limitsOf(source);
    const day = dayIn(now.getTime(), PROVIDER_PROFILES[source.provider].timezone);
    const stored = await this.#options.storage.checkpoints.getQuotaUsage(scope, day);
    // A running limiter holds counts not saved yet.
    const live = this.#limiters
      .running(source.provider)
      ?.snapshot()
      .find((q) => q.scope === scope && q.day === day);
    const used = Math.max(stored.used, live?.used ?? 0);
    const { perDay } = limits;
    return {
      scope,
      provider: source.provider,
      label: this.#limiters.label(source.provider),
      windows: limits.windows
        .filter((w) => w.windowMs <= METERED_MS)
        .map(({ limit, windowMs }) => {
          const inWindow = this.#meter.usedIn(scope, windowMs, now.getTime());
          return { limit, windowMs, used: inWindow, left: Math.max(0, limit - inWindow) };
        }),
      day: {
        day,
        used,
        ...(perDay === undefined ? {} : { limit: perDay, left: Math.max(0, perDay - used) }),
      },
    };
  }

  /**
   * The sources a sync covers, dependencies first: those named, or those due, `askedAgain`
   * (what their changed settings reopened or forgot) counting as due.
   */
  async #targets(
    ids: readonly string[] | undefined,
    now: Date,
    askedAgain: ReadonlySet<string> = new Set(),
  ): Promise<DataSource[]> {
    const { registry, storage } = this.#options;
    if (ids !== undefined && ids.length > 0) return registry.resolve(ids);
    const states = new Map<string, SourceState>();
    for (const source of registry.list()) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const due = askedAgain.has(source.id) && state.pendingTasks === 0;
      states.set(source.id, due ? { ...state, pendingTasks: 1 } : state);
    }
    return registry.unsynced(states, now).map((u) => u.source);
  }

  #client(provider: Provider): ProviderClient {
    const client = this.#options.clients[provider];
    if (client === undefined) {
      throw new DsyncError(
        'E_NO_ACCOUNT',
        `No ${provider} account is configured: add its token or API key to sync ${provider} sources.`,
      );
    }
    return client;
  }

  /**
   * Runs one source of a local run with its own stop, linked to the run's: a source refused
   * for its account's address halts the others of its provider, whose requests go there too.
   */
  async #syncOne(source: DataSource, run: LocalRun): Promise<SourceResult> {
    const own = new AbortController();
    const onAbort = () => own.abort(run.signal.reason);
    run.signal.addEventListener('abort', onAbort, { once: true });
    run.running.set(source.id, own);
    let result: SourceResult;
    try {
      result = await this.#syncSource(source, run, own.signal);
    } catch (error) {
      // Outside its tasks (no client for its provider, the ledger out of reach): it fails alone.
      result = this.#notSynced(source.id, { status: 'failed', reason: failureOf(error) }, run.id);
    } finally {
      run.signal.removeEventListener('abort', onAbort);
      run.running.delete(source.id);
    }
    if (misconfigurationOf(result.reason) === 'address')
      for (const [id, other] of run.running)
        if (this.#options.registry.get(id).provider === source.provider)
          other.abort(new SourceHalt('failed', this.#addressRefused(id, source)));
    return result;
  }

  async #syncSource(source: DataSource, run: LocalRun, signal: AbortSignal): Promise<SourceResult> {
    const { storage } = this.#options;
    const { id: runId, now, options, context } = run;
    const state = await storage.checkpoints.getSourceState(source.id);
    const rangeOptions = { since: options.since, until: options.until, state, now };
    const result = await syncSource({
      source,
      args: generateArgs(source, context, rangeOptions),
      client: this.#client(source.provider),
      limiter: this.#limiters.limiterOf(source.provider),
      sink: storage.sink,
      checkpoints: storage.checkpoints,
      runId,
      events: this.events,
      signal,
      policy: { ...DEFAULT_ERROR_POLICY, ...this.#options.policy },
      maxConcurrent: this.#limiters.limitsOf(source).maxConcurrent,
      now: () => this.#clock(),
      ...(this.#options.worker === undefined ? {} : { worker: this.#options.worker }),
    });
    if (result.status === 'done') await this.#advanceCursor(source, context, rangeOptions);
    return result;
  }

  /**
   * Before a run picks its sources: asks again what the sources' requests could not get
   * where their settings changed (or when asked), so that such a source is due.
   */
  async #askAgainAll(options: PlanOptions): Promise<Set<string>> {
    const { registry } = this.#options;
    const ids = options.ids !== undefined && options.ids.length > 0 ? options.ids : undefined;
    const sources = ids === undefined ? registry.list() : registry.resolve(ids);
    const askedAgain = new Set<string>();
    for (const source of sources)
      if (await this.#askAgain(source, options.retryDropped === true)) askedAgain.add(source.id);
    return askedAgain;
  }

  /**
   * Asks again what a source's requests could not get, once its definition or its account's
   * settings changed since its last run (a fixed base URL or dataset code), or when asked.
   * After a change of definition, its requests not done after the cursor are forgotten: they
   * were made from the old definition, and the cursor stayed before them, so the args it now
   * generates take their place. Every other dropped request is made pending.
   * @returns whether it forgot or reopened any
   */
  async #askAgain(source: DataSource, always: boolean): Promise<boolean> {
    const { checkpoints } = this.#options.storage;
    const settings = this.#settingsOf(source);
    const before = await checkpoints.recordSettings(source.id, settings.digest);
    if (!always && before === settings.digest) return false;
    let forgotten = 0;
    if (before?.slice(0, DIGEST_HALF) !== settings.definition) {
      const { cursor } = await checkpoints.getSourceState(source.id);
      forgotten = await checkpoints.forgetTasks(
        source.id,
        await staleTasks(checkpoints, source, cursor),
      );
    }
    const reopened = await checkpoints.reopenDropped(
      source.id,
      new Date(this.#clock()).toISOString(),
    );
    return forgotten + reopened > 0;
  }

  /**
   * What a source's requests are sent with, as a digest recorded with the source: its
   * definition's half, then its account's (label, address, credential).
   */
  #settingsOf(source: DataSource): { readonly digest: string; readonly definition: string } {
    const client = this.#options.clients[source.provider];
    const label = this.#limiters.label(source.provider);
    const definition = digestOf(JSON.stringify(source)).slice(0, DIGEST_HALF);
    const account = digestOf(label, client?.settings ?? '').slice(0, DIGEST_HALF);
    return { digest: `${definition}${account}`, definition };
  }

  /**
   * A source not to start: a source of its provider failed with a misconfigured address, so
   * its requests would go to the same wrong place.
   */
  #heldBack(
    source: DataSource,
    ended: ReadonlyMap<string, SourceResult>,
    runId: string,
  ): SourceResult | undefined {
    const { registry } = this.#options;
    for (const [id, result] of ended)
      if (
        misconfigurationOf(result.reason) === 'address' &&
        registry.get(id).provider === source.provider
      )
        return this.#notSynced(
          source.id,
          { status: 'failed', reason: this.#addressRefused(source.id, registry.get(id)) },
          runId,
        );
    return undefined;
  }

  /** Why a source is not synced (further): its provider's base URL was refused to `refused`. */
  #addressRefused(id: string, refused: DataSource): LedgerError {
    return {
      code: 'E_MISCONFIGURED_ADDRESS',
      message: `${id} was not synced: the ${refused.provider} account's base URL was refused (${refused.id})`,
    };
  }

  /** The result of a source left out of a run, told to listeners like one that ran. */
  #notSynced(
    sourceId: string,
    ending: Pick<SourceResult, 'status' | 'reason' | 'resumeAfter'>,
    runId: string,
  ): SourceResult {
    const { status, reason } = ending;
    this.events.emit({ type: 'source-started', runId, sourceId, resumed: 0 });
    this.events.emit({
      type: 'source-finished',
      runId,
      sourceId,
      status,
      rows: 0,
      requests: 0,
      ...(reason === undefined ? {} : { reason }),
    });
    const none = { requests: 0, rows: 0, done: 0, dropped: 0, skipped: 0 };
    return { sourceId, ...none, ...ending };
  }

  /** The clock quotas, the ledger's times and the runs' ranges are read from. */
  #clock(): number {
    return (this.#options.clock ?? systemClock)();
  }

  /**
   * Moves a source's cursor over what a finished run covered: to its last settled day, so the
   * next run asks the days after it again (a snapshot: the day it was taken); never past a
   * dropped request's day.
   */
  async #advanceCursor(
    source: DataSource,
    context: ArgContext,
    range: RangeOptions & { readonly now: Date; readonly state: SourceState },
  ): Promise<void> {
    const { checkpoints } = this.#options.storage;
    const cursor = cursorBefore(
      (await cursorAfterSync(source, context, range)) ?? range.state.cursor,
      await droppedRequests(checkpoints, source.id),
      range.state.cursor,
    );
    if (cursor !== undefined)
      await this.#options.storage.checkpoints.advanceCursor(
        source.id,
        cursor,
        new Date(this.#clock()).toISOString(),
      );
  }
}
