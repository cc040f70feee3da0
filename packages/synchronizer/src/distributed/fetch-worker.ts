import {
  sleep,
  systemClock,
  type CheckpointStore,
  type Clock,
  type DataSource,
  type DataSourceRegistry,
  type LedgerError,
  type Provider,
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
import { cutOffSink, unsettledLedger } from './delivery-ports.js';
import { HeldDeliveries, type Held } from './held-deliveries.js';
import { StallWatch } from './stall-watch.js';
import { WorkerRuns } from './worker-runs.js';
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
   * Told when tasks in hand were lost with the channel they came on (a broker outage, a
   * closed connection): how many, and why. The broker hands them out again; their work here
   * is cut off, as at a stop. Several lost at once are told once.
   */
  readonly onLost?: (tasks: number, reason: Error) => void;
  /**
   * Told once per run and source when this worker leaves the source's tasks to other workers:
   * its definition, account or limits differ from those the run was queued with.
   */
  readonly onMismatch?: (message: string) => void;
  /**
   * How long one call may hold its share of the shared limits; a worker killed mid-call frees
   * its share after it. @default the longest request timeout of `clients` and 15 s
   */
  readonly jobExpirationMs?: number;
  /** Quota days, cool-downs and the ledger's times are read from it. @default the system clock */
  readonly clock?: Clock;
  /** Where each task's events are told to its run's follower (`SyncController.follow`). */
  readonly runEvents?: RunEventsChannel;
}

/**
 * What a worker did with the deliveries it took. `done`, `dropped` and `failed` count the
 * tasks this worker settled in the ledger, each task once across every worker (a copy that
 * found it settled by another counts in `alreadySettled`); `requeued` counts the deliveries
 * that went back to the queue, whatever else became of them.
 */
export interface FetchWorkerStats {
  done: number;
  dropped: number;
  failed: number;
  /**
   * Handed back to the queue: at a limit, when the worker stopped, or lost with their channel
   * (a broker outage). A task lost after its rows were sent and its ledger row written is
   * counted here and in `done`: it went back all the same, and its next taker acks it.
   */
  requeued: number;
  /**
   * Tasks the ledger already had as settled (redelivered, or published twice; or settled by
   * another worker while this one fetched its copy): acknowledged without counting them again.
   */
  alreadySettled: number;
  /** Tasks of a cancelled run: acknowledged without a request, left pending for the next run. */
  cancelled: number;
  /**
   * Tasks handed back for other workers (counted in `requeued` too): this one's settings for
   * their source differ from those of their run.
   */
  mismatched: number;
  /** Rows of the tasks counted in `done`. */
  rows: number;
  /** Calls made (requests that left), per limit scope: `tushare:default:daily`, `ndl:default`. */
  readonly calls: Record<string, number>;
}

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

/**
 * How long a task this worker may not fetch stays in hand before it goes back: handed back at
 * once, the broker would give it straight back while the matching workers are busy.
 */
const MISMATCH_REQUEUE_MS = 2_000;
/** Runs and sources whose mismatch a worker remembers telling. */
const MISMATCHES_KEPT = 128;

/** Resolves when `work` settles or after `ms`, whichever comes first: a stop step that may hang. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) return void (await work.catch(() => undefined));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
}

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
    rows: 0,
    calls: {},
  };
  readonly #options: FetchWorkerOptions;
  readonly #policy: ErrorPolicyOptions;
  readonly #limiters: Limiters;
  readonly #jobExpirationMs: number;
  readonly #stalls: StallWatch;
  readonly #clock: Clock;
  readonly #stop = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #held: HeldDeliveries;
  /** Per source: its first answers here, watched for a wrong configuration. */
  readonly #leadingDrops = new Map<string, LeadingDrops>();
  /** Sources found misconfigured: their tasks fail without a request until the worker restarts with a fix. */
  readonly #misconfigured = new Map<string, LedgerError>();
  readonly #runs: WorkerRuns;
  /** This worker's settings per source, and when it told a run's follower of a mismatch. */
  readonly #settings = new Map<string, RunSourceSettings>();
  readonly #toldMismatch = new Map<string, number>();
  #consumer: TaskConsumer | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;

  constructor(options: FetchWorkerOptions) {
    this.#options = options;
    this.#policy = { ...DEFAULT_ERROR_POLICY, ...options.policy };
    this.#clock = options.clock ?? systemClock;
    this.#jobExpirationMs = options.jobExpirationMs ?? jobExpirationOf(options.clients);
    this.#stalls = new StallWatch(
      this.#jobExpirationMs,
      (source) => this.#limiters.scopeOf(source),
      options.onStall,
    );
    this.#runs = new WorkerRuns(options.checkpoints, this.#clock, this.events, options.runEvents);
    this.#held = new HeldDeliveries({
      stop: this.#stop.signal,
      onHandBack: () => void this.stats.requeued++,
      ...(options.onLost === undefined ? {} : { onLost: options.onLost }),
    });
    // A task's call left: it is no longer waiting for the limits, and counts in its scope.
    this.events.on((event) => {
      if (event.type !== 'task-started') return;
      this.#stalls.clear(StallWatch.idOf(event.sourceId, event.key));
      if (!options.registry.has(event.sourceId)) return;
      const scope = this.#limiters.scopeOf(options.registry.get(event.sourceId));
      this.stats.calls[scope] = (this.stats.calls[scope] ?? 0) + 1;
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

  /** Deliveries in hand: being fetched, or waiting for the limits. */
  held(): number {
    return this.#held.size;
  }

  /**
   * Stops taking tasks. Those in hand are cut off (requests in flight aborted, waits for the
   * limits given up, rows not sent) and go back to the queue: the consumer's channel closes
   * first, so the broker takes back every one of them and hands out no more. Each step is
   * bounded, so a stop ends within `timeoutMs` even when the broker or a write hangs.
   * @returns how many tasks in hand went back to the queue
   */
  async stop(options: { readonly timeoutMs?: number } = {}): Promise<{ handedBack: number }> {
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    const left = () => deadline - Date.now();
    const before = this.stats.requeued;
    clearTimeout(this.#resumeTimer);
    this.#stop.abort();
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer !== undefined) await within(consumer.stop(), left() / 3);
    // Counted now (a queue without `lost` signals tells nothing), so the count and the queue
    // agree whatever hangs next.
    this.#held.handBackAll();
    // Their ledger rows go back to pending as their work ends.
    await within(Promise.allSettled(this.#inFlight), left() / 2);
    await within(this.#limiters.stop(), left());
    return { handedBack: this.stats.requeued - before };
  }

  #track(delivery: TaskDelivery): Promise<void> {
    const { held, release } = this.#held.take(delivery);
    const handling = this.#handle(held);
    this.#inFlight.add(handling);
    return handling.finally(() => {
      this.#inFlight.delete(handling);
      release();
    });
  }

  async #handle(held: Held): Promise<void> {
    const { delivery } = held;
    const { task } = delivery;
    const { registry } = this.#options;
    const checkpoints = unsettledLedger(this.#options.checkpoints, held.ledger);
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
    const run = await this.#runs.run(task.runId);
    if (run?.status === 'cancelled') {
      // The follower cancelled it (Ctrl-C): the task stays pending for the next run to queue again.
      this.stats.cancelled++;
      await delivery.ack();
      return;
    }
    const expected = run?.settings?.[source.id];
    const differs =
      expected === undefined ? [] : settingsDiffer(expected, this.#settingsOf(source));
    if (differs.length > 0) return this.#leave(held, source, task.runId, differs);
    const misconfigured = this.#misconfigured.get(source.id);
    if (misconfigured !== undefined) {
      await checkpoints.updateTask(source.id, task.args.key, {
        status: 'failed',
        lastError: misconfigured,
        worker: this.#options.worker,
      });
      if (held.ledger.settledElsewhere) this.stats.alreadySettled++;
      else this.stats.failed++;
      await delivery.ack();
      return;
    }
    const context = this.#context(source, task.runId, held, checkpoints);
    const stall = this.#stalls.watch(source, task.args.key);
    try {
      for (let attempt = 1; ; attempt++) {
        const verdict = await runTask({ args: task.args, attempt }, context);
        // Another worker settled it meanwhile: this copy is done with, counted there.
        if (held.ledger.settledElsewhere) {
          this.stats.alreadySettled++;
          return await delivery.ack();
        }
        if (verdict.kind !== 'again') return await this.#settle(held, verdict);
        await sleep(verdict.delayMs, held.signal);
        if (held.signal.aborted) return await this.#requeue(held);
      }
    } finally {
      this.#stalls.clear(stall);
    }
  }

  /** Acknowledges or requeues a delivery by what its last attempt came to. */
  async #settle(held: Held, verdict: Exclude<TaskVerdict, { kind: 'again' }>) {
    const { delivery } = held;
    const { task } = delivery;
    switch (verdict.kind) {
      case 'done':
        this.stats.done++;
        this.stats.rows += verdict.rows;
        if (verdict.continuation !== undefined)
          // Published before the ack: a crash in between redelivers this page, never loses the next.
          await this.#options.queue.publish([{ ...task, args: verdict.continuation }]);
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
        return this.#requeue(held);
      default:
        return this.#requeue(held);
    }
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
    held: Held,
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
      if (this.#toldMismatch.size > MISMATCHES_KEPT)
        this.#toldMismatch.delete(this.#toldMismatch.keys().next().value as string);
      const { worker } = this.#options;
      const message =
        `worker ${worker} leaves the tasks of ${source.id} in run ${runId} to other workers: ` +
        `its config differs from the sync's (${differs.join(', ')}). Start it with the sync's ` +
        'config file (every worker restarts after a change).';
      if (toldAt === undefined) this.#options.onMismatch?.(message);
      this.#runs.eventsOf(runId).emit({
        type: 'worker-mismatch',
        sourceId: source.id,
        worker,
        differs,
        message,
      });
    }
    this.stats.mismatched++;
    await sleep(MISMATCH_REQUEUE_MS, held.signal);
    await this.#requeue(held);
  }

  async #requeue(held: Held): Promise<void> {
    this.#held.handBack(held);
    await held.delivery.requeue();
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

  #context(
    source: DataSource,
    runId: string,
    held: Held,
    checkpoints: CheckpointStore,
  ): TaskContext {
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
      sink: cutOffSink(this.#options.sink, held.signal),
      checkpoints,
      runId,
      events: this.#runs.eventsOf(runId),
      policy: this.#policy,
      signal: held.signal,
      worker: this.#options.worker,
      now: this.#clock,
    };
  }
}
