import {
  sleep,
  systemClock,
  type CheckpointStore,
  type Clock,
  type DataSource,
  type DataSourceRegistry,
  type LedgerError,
  type Provider,
  type RunRecord,
  type RunSourceSettings,
  type Sink,
  type TaskConsumer,
  type TaskDelivery,
  type TaskQueue,
} from '@dsync/datasource';
import { DEFAULT_TIMEOUT_MS, type ProviderClient } from '../clients/provider-client.js';
import type { AccountConfig } from '../controller/accounts.js';
import { DEFAULT_ERROR_POLICY, type ErrorPolicyOptions } from '../error-policy.js';
import { SyncEvents } from '../engine/events.js';
import { runTask, type TaskContext, type TaskVerdict } from '../engine/run-task.js';
import { LeadingDrops, misconfigurationOf } from '../engine/misconfiguration.js';
import { Limiters } from '../limits/limiters.js';
import type { RedisLimits } from '../limits/redis-cluster.js';
import type { RunEventsChannel } from './run-events.js';
import { settingsDiffer, sourceSettings } from './run-settings.js';

/**
 * A process that takes tasks from the queue, runs each through the same attempt as a local
 * run (`runTask`: limits, policy, sink, ledger, events), and acknowledges a task only once
 * its rows are durable or the ledger says why not. Several of them share one quota through
 * `shared` (Redis): a daily limit one of them hears pauses all of them.
 */
export interface FetchWorkerOptions {
  readonly registry: DataSourceRegistry;
  readonly queue: TaskQueue;
  readonly clients: Partial<Record<Provider, ProviderClient>>;
  /** @default the providers' documented limits */
  readonly accounts?: Partial<Record<Provider, AccountConfig>>;
  /** Limits shared with the other workers; without it, this worker's limits are its own. */
  readonly shared?: RedisLimits;
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  readonly policy?: Partial<ErrorPolicyOptions>;
  /** This worker's name in the ledger. */
  readonly worker: string;
  /** Tasks held at once. @default the largest maxConcurrent of the accounts */
  readonly prefetch?: number;
  /**
   * Told when the worker stops taking tasks at a limit, with when it takes them again (the
   * provider's reset, or the policy's longest wait from now when the provider named none).
   */
  readonly onPause?: (resumeAt: string) => void;
  /**
   * Told when a task has waited for its scope's limits longer than a call may hold them
   * (`jobExpirationMs`): every slot was busy that long, which a crashed worker's calls alone
   * cannot explain. The message says where and why.
   */
  readonly onStall?: (message: string) => void;
  /**
   * How long one call may hold its share of the shared limits; a worker killed mid-call frees
   * its share after it. @default the longest request timeout of `clients` and 15 s
   */
  readonly jobExpirationMs?: number;
  /** Quota days, cool-downs and the ledger's times are read from it. @default the system clock */
  readonly clock?: Clock;
  /** Where each task's events are told to its run's follower (`SyncController.follow`). */
  readonly runEvents?: RunEventsChannel;
  /**
   * Told once per run and source when this worker leaves the source's tasks to other workers:
   * its definition, account or limits differ from those the run was queued with.
   */
  readonly onMismatch?: (message: string) => void;
}

/** What a worker did with the deliveries it took. */
export interface FetchWorkerStats {
  done: number;
  dropped: number;
  failed: number;
  /** Handed back to the queue: at a limit, or when the worker stopped. */
  requeued: number;
  /** Tasks the ledger already had as settled (redelivered, or published twice): acknowledged without a request. */
  alreadySettled: number;
  /** Tasks of a cancelled run: acknowledged without a request, left pending for the next run. */
  cancelled: number;
  /** Tasks handed back for other workers: this one's settings for their source differ from the run's. */
  mismatched: number;
}

/** How long a run's status is taken as read: one ledger query per run and second, not per task. */
const RUN_STATUS_TTL_MS = 1_000;

/** What a call may take beyond its request timeout before its share of shared limits is freed. */
const JOB_MARGIN_MS = 15_000;

/**
 * How long one call may hold its share of the shared limits: the longest request timeout of
 * the worker's clients and a margin. A worker killed mid-call frees its share after it.
 */
function jobExpirationOf(clients: FetchWorkerOptions['clients']): number {
  const timeouts = Object.values(clients).map((c) => c?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return (timeouts.length === 0 ? DEFAULT_TIMEOUT_MS : Math.max(...timeouts)) + JOB_MARGIN_MS;
}

/** Runs whose status and events a worker keeps at once. */
const RUNS_KEPT = 16;

/**
 * How long a task this worker may not fetch stays in hand before it goes back: handed back at
 * once, the broker would give it straight back while the matching workers are busy.
 */
const MISMATCH_REQUEUE_MS = 2_000;

export class FetchWorker {
  readonly events = new SyncEvents();
  readonly stats: FetchWorkerStats = {
    done: 0,
    dropped: 0,
    failed: 0,
    requeued: 0,
    alreadySettled: 0,
    cancelled: 0,
    mismatched: 0,
  };
  readonly #options: FetchWorkerOptions;
  readonly #policy: ErrorPolicyOptions;
  readonly #limiters: Limiters;
  readonly #jobExpirationMs: number;
  /** Per task waiting for its first call: the timer that says it stalled. */
  readonly #stalls = new Map<string, NodeJS.Timeout>();
  readonly #clock: Clock;
  readonly #stop = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  /** Per source: its first answers here, watched for a wrong configuration. */
  readonly #leadingDrops = new Map<string, LeadingDrops>();
  /** Sources found misconfigured: their tasks fail without a request until the worker restarts with a fix. */
  readonly #misconfigured = new Map<string, LedgerError>();
  /** Each run's events, told here and to its follower. */
  readonly #runEvents = new Map<string, SyncEvents>();
  readonly #runs = new Map<string, { readonly run: RunRecord | undefined; readonly at: number }>();
  /** This worker's settings per source, and the runs and sources whose mismatch it told. */
  readonly #settings = new Map<string, RunSourceSettings>();
  readonly #toldMismatch = new Map<string, number>();
  #consumer: TaskConsumer | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;

  constructor(options: FetchWorkerOptions) {
    this.#options = options;
    this.#policy = { ...DEFAULT_ERROR_POLICY, ...options.policy };
    this.#clock = options.clock ?? systemClock;
    this.#jobExpirationMs = options.jobExpirationMs ?? jobExpirationOf(options.clients);
    // A task's call left: it is no longer waiting for the limits.
    this.events.on((event) => {
      if (event.type === 'task-started') this.#clearStall(`${event.sourceId}\u0000${event.key}`);
    });
    // The same limiters as the controller's: the same scopes, limits and overrides.
    this.#limiters = new Limiters({
      sources: options.registry.list(),
      checkpoints: options.checkpoints,
      clock: this.#clock,
      ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
      ...(options.shared === undefined ? {} : { shared: options.shared }),
      jobExpirationMs: this.#jobExpirationMs,
    });
  }

  /** Starts taking tasks. */
  async start(): Promise<void> {
    const prefetch =
      this.#options.prefetch ??
      Math.max(
        1,
        ...(['tushare', 'ndl'] as const).map(
          (p) => this.#limiters.accountLimits(p).maxConcurrent ?? 4,
        ),
      );
    this.#consumer = await this.#options.queue.consume((delivery) => this.#track(delivery), {
      prefetch,
    });
  }

  /** Stops taking tasks; those in hand are cut off and go back to the queue. */
  async stop(): Promise<void> {
    clearTimeout(this.#resumeTimer);
    this.#stop.abort();
    await Promise.allSettled(this.#inFlight);
    await this.#consumer?.stop();
    this.#consumer = undefined;
    await this.#limiters.stop();
  }

  #track(delivery: TaskDelivery): Promise<void> {
    const handling = this.#handle(delivery);
    this.#inFlight.add(handling);
    return handling.finally(() => this.#inFlight.delete(handling));
  }

  async #handle(delivery: TaskDelivery): Promise<void> {
    const { task } = delivery;
    const { registry, checkpoints } = this.#options;
    if (!registry.has(task.sourceId)) {
      // Another deployment's source, or a registry that lost it: the ledger keeps it pending.
      this.stats.failed++;
      await delivery.ack();
      return;
    }
    const source = registry.get(task.sourceId);
    // A redelivered task may have been stored by a worker that died before its ack, and an
    // enqueue after a crash publishes again what the ledger had pending: one query decides.
    const finished = await checkpoints.finishedTasks(source.id, [task.args.key]);
    if (finished.has(task.args.key)) {
      this.stats.alreadySettled++;
      await delivery.ack();
      return;
    }
    const run = await this.#run(task.runId);
    if (run?.status === 'cancelled') {
      // The follower cancelled it (Ctrl-C): the task stays pending for the next run to queue again.
      this.stats.cancelled++;
      await delivery.ack();
      return;
    }
    const expected = run?.settings?.[source.id];
    const differs =
      expected === undefined ? [] : settingsDiffer(expected, this.#settingsOf(source));
    if (differs.length > 0) return this.#leave(delivery, source, task.runId, differs);
    const misconfigured = this.#misconfigured.get(source.id);
    if (misconfigured !== undefined) {
      await checkpoints.updateTask(source.id, task.args.key, {
        status: 'failed',
        lastError: misconfigured,
        worker: this.#options.worker,
      });
      this.stats.failed++;
      await delivery.ack();
      return;
    }
    const context = this.#context(source, task.runId);
    const stall = this.#watchStall(source, task.args.key);
    try {
      for (let attempt = 1; ; attempt++) {
        const verdict = await runTask({ args: task.args, attempt }, context);
        if (verdict.kind !== 'again') return await this.#settle(delivery, verdict);
        await sleep(verdict.delayMs, this.#stop.signal);
        if (this.#stop.signal.aborted) return await this.#requeue(delivery);
      }
    } finally {
      this.#clearStall(stall);
    }
  }

  /**
   * Tells `onStall` when a task's first call has not left after `jobExpirationMs`: by then
   * even the calls of a worker that crashed holding every slot have expired.
   */
  #watchStall(source: DataSource, key: string): string {
    const id = `${source.id}\u0000${key}`;
    const { onStall } = this.#options;
    if (onStall === undefined) return id;
    const scope = this.#limiters.scopeOf(source);
    const seconds = Math.round(this.#jobExpirationMs / 1000);
    const timer = setTimeout(() => {
      this.#stalls.delete(id);
      onStall(
        `a task of ${source.id} has waited ${seconds} s for the limits of ${scope}: longer than ` +
          `a crashed worker's calls can hold them (${seconds} s), so every slot is taken by live ` +
          `calls or Redis answers slowly; check the other workers' logs and Redis`,
      );
    }, this.#jobExpirationMs);
    timer.unref();
    this.#stalls.set(id, timer);
    return id;
  }

  #clearStall(id: string): void {
    clearTimeout(this.#stalls.get(id));
    this.#stalls.delete(id);
  }

  /** Acknowledges or requeues a delivery by what its last attempt came to. */
  async #settle(delivery: TaskDelivery, verdict: Exclude<TaskVerdict, { kind: 'again' }>) {
    const { task } = delivery;
    switch (verdict.kind) {
      case 'done':
        if (verdict.continuation !== undefined)
          // Published before the ack: a crash in between redelivers this page, never loses the next.
          await this.#options.queue.publish([{ ...task, args: verdict.continuation }]);
        this.stats.done++;
        return delivery.ack();
      case 'dropped':
        this.stats.dropped++;
        return delivery.ack();
      case 'stop':
        if (verdict.status === 'failed') {
          if (misconfigurationOf(verdict.error) !== undefined)
            this.#misconfigured.set(task.sourceId, verdict.error);
          this.stats.failed++;
          return delivery.ack();
        }
        // At a limit: the task waits on the queue, and this worker takes none until it resets.
        this.#pauseUntil(verdict.resumeAfter);
        return this.#requeue(delivery);
      default:
        return this.#requeue(delivery);
    }
  }

  async #requeue(delivery: TaskDelivery): Promise<void> {
    this.stats.requeued++;
    await delivery.requeue();
  }

  /** Stops consuming, and consumes again when the limit resets (or after the longest wait). */
  #pauseUntil(resumeAfter: string | undefined): void {
    if (this.#resumeTimer !== undefined || this.#consumer === undefined) return;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    void consumer.stop();
    const at = resumeAfter === undefined ? Number.NaN : Date.parse(resumeAfter);
    const waitMs = Number.isFinite(at) ? Math.max(0, at - this.#clock()) : this.#policy.maxWaitMs;
    this.#options.onPause?.(
      Number.isFinite(at)
        ? (resumeAfter as string)
        : new Date(this.#clock() + waitMs).toISOString(),
    );
    this.#resumeTimer = setTimeout(() => {
      this.#resumeTimer = undefined;
      if (!this.#stop.signal.aborted) void this.start();
    }, waitMs);
    this.#resumeTimer.unref();
  }

  /** The run as the ledger has it (read at most once a second per run): its status and settings. */
  async #run(runId: string): Promise<RunRecord | undefined> {
    const known = this.#runs.get(runId);
    if (known !== undefined && this.#clock() - known.at < RUN_STATUS_TTL_MS) return known.run;
    const run = await this.#options.checkpoints.getRun(runId);
    this.#runs.delete(runId);
    this.#runs.set(runId, { run, at: this.#clock() });
    if (this.#runs.size > RUNS_KEPT) this.#runs.delete(this.#runs.keys().next().value as string);
    return run;
  }

  #settingsOf(source: DataSource): RunSourceSettings {
    let settings = this.#settings.get(source.id);
    if (settings === undefined) {
      settings = sourceSettings(source, this.#limiters, this.#options.clients);
      this.#settings.set(source.id, settings);
    }
    return settings;
  }

  /**
   * Hands a task back for the workers whose settings match the run's, after a pause: this one
   * never fetches with another definition, account or limits. Logs it once per run and source,
   * and tells the run's follower again while it goes on (one that subscribed late hears it).
   */
  async #leave(
    delivery: TaskDelivery,
    source: DataSource,
    runId: string,
    differs: readonly (keyof RunSourceSettings)[],
  ): Promise<void> {
    const told = `${runId}\u0000${source.id}`;
    const toldAt = this.#toldMismatch.get(told);
    const now = this.#clock();
    if (toldAt === undefined || now - toldAt >= MISMATCH_REQUEUE_MS) {
      this.#toldMismatch.delete(told);
      this.#toldMismatch.set(told, now);
      if (this.#toldMismatch.size > RUNS_KEPT * 8)
        this.#toldMismatch.delete(this.#toldMismatch.keys().next().value as string);
      const { worker } = this.#options;
      const message =
        `worker ${worker} leaves the tasks of ${source.id} in run ${runId} to other workers: ` +
        `its config differs from the sync's (${differs.join(', ')}). Start it with the sync's ` +
        'config file (every worker restarts after a change).';
      if (toldAt === undefined) this.#options.onMismatch?.(message);
      this.#eventsOf(runId).emit({
        type: 'worker-mismatch',
        sourceId: source.id,
        worker,
        differs,
        message,
      });
    }
    this.stats.mismatched++;
    await sleep(MISMATCH_REQUEUE_MS, this.#stop.signal);
    await delivery.requeue();
  }

  /** A run's task events: told to this worker's listeners, and published for the run's follower. */
  #eventsOf(runId: string): SyncEvents {
    const { runEvents } = this.#options;
    if (runEvents === undefined) return this.events;
    let events = this.#runEvents.get(runId);
    if (events === undefined) {
      const run = new SyncEvents();
      run.on((event) => {
        this.events.emit(event);
        runEvents.publish(runId, event);
      });
      this.#runEvents.set(runId, run);
      // A long-lived worker sees run after run: only the recent ones keep theirs.
      if (this.#runEvents.size > RUNS_KEPT)
        this.#runEvents.delete(this.#runEvents.keys().next().value as string);
      events = run;
    }
    return events;
  }

  #context(source: DataSource, runId: string): TaskContext {
    const client = this.#options.clients[source.provider];
    if (client === undefined)
      throw new Error(
        `No ${source.provider} account is configured on worker ${this.#options.worker}.`,
      );
    let leadingDrops = this.#leadingDrops.get(source.id);
    if (leadingDrops === undefined) {
      leadingDrops = new LeadingDrops();
      this.#leadingDrops.set(source.id, leadingDrops);
    }
    return {
      source,
      client,
      leadingDrops,
      limiter: this.#limiters.limiterOf(source.provider),
      sink: this.#options.sink,
      checkpoints: this.#options.checkpoints,
      runId,
      events: this.#eventsOf(runId),
      policy: this.#policy,
      signal: this.#stop.signal,
      worker: this.#options.worker,
      now: this.#clock,
    };
  }
}
