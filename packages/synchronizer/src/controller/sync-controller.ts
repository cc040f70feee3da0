import { randomUUID } from 'node:crypto';
import { generateArgs, planArgs, resolveRange } from '@dsync/arg-generation';
import {
  DsyncError,
  PROVIDER_PROFILES,
  type ArgContext,
  type CheckpointStore,
  type DataSource,
  type DataSourceRegistry,
  type LedgerError,
  type Provider,
  type RunStatus,
  type Sink,
  type SourceState,
} from '@dsync/datasource';
import type { ProviderClient } from '../clients/provider-client.js';
import { DEFAULT_ERROR_POLICY, type ErrorPolicyOptions } from '../error-policy.js';
import { AccountLimiter } from '../limits/account-limiter.js';
import { SyncEvents } from '../engine/events.js';
import { syncSource, type SourceResult } from '../engine/sync-source.js';
import { DEFAULT_LIMITS, limitsFor, type AccountConfig } from './accounts.js';

/** Where data and ledger live: a sink, the checkpoint store, and what arg generation reads. */
export interface ControllerStorage {
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  argContext(sourceOf: (id: string) => DataSource | undefined): ArgContext;
  /** Rows stored for a source, for status; a storage that cannot count leaves it out. */
  countRows?(source: DataSource): Promise<number>;
}

/** Where one source stands. */
export interface SourceStatus extends SourceState {
  /** Tasks that failed for good (auth, permission, unknown answers). */
  readonly failedTasks: number;
  /** Rows stored, when the storage can count them. */
  readonly rows?: number;
  /** Calls made today against the quota the source spends (its account's, or its interface's). */
  readonly quotaUsedToday: number;
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
}

export interface SyncOptions {
  /** The sources to sync (with what they depend on). @default every unsynced source */
  readonly ids?: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly signal?: AbortSignal;
  /** The clock the run's range is computed on. @default new Date() */
  readonly now?: Date;
}

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
  readonly requests: number;
  /** At the account's rate limits, not counting answer times. */
  readonly etaMs: number;
  /** Days of the daily quota the requests need (1 when they fit in one). */
  readonly days: number;
}

const SNAPSHOT_KINDS = new Set(['once', 'enumerate']);

/**
 * The one entry point both presentations call: sync what is unsynced (or named sources) in
 * dependency order, plan a sync, report status, cancel.
 */
export class SyncController {
  readonly events = new SyncEvents();
  readonly #options: SyncControllerOptions;
  readonly #limiters = new Map<Provider, AccountLimiter>();
  #current: AbortController | undefined;

  constructor(options: SyncControllerOptions) {
    this.#options = options;
  }

  /** Cancels the run in progress, if any: it checkpoints and resolves as `cancelled`. */
  cancel(): void {
    this.#current?.abort(new DsyncError('E_CANCELLED', 'Cancelled by the user.'));
  }

  /** Syncs source by source in dependency order; a source that stops at a limit or fails stops the run. */
  async sync(options: SyncOptions = {}): Promise<RunResult> {
    if (this.#current !== undefined)
      throw new DsyncError('E_BUSY', 'A run is already in progress.');
    const abort = new AbortController();
    this.#current = abort;
    const onAbort = () => abort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const now = options.now ?? new Date();
    const { storage, registry } = this.#options;
    const runId = `run-${now
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
    const results: SourceResult[] = [];
    let outcome: Pick<RunResult, 'status' | 'reason' | 'resumeAfter'> = { status: 'done' };
    try {
      const sources = await this.#targets(options.ids, now);
      await storage.checkpoints.startRun({
        id: runId,
        sourceIds: sources.map((s) => s.id),
        startedAt: now.toISOString(),
      });
      this.events.emit({ type: 'run-started', runId, sourceIds: sources.map((s) => s.id) });
      const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
      for (const source of sources) {
        const result = await this.#syncOne(source, context, runId, now, options, abort.signal);
        results.push(result);
        if (result.status !== 'done') {
          outcome = {
            status: result.status,
            ...(result.reason === undefined ? {} : { reason: result.reason }),
            ...(result.resumeAfter === undefined ? {} : { resumeAfter: result.resumeAfter }),
          };
          break;
        }
      }
    } catch (error) {
      outcome = {
        status: 'failed',
        reason: {
          code: error instanceof DsyncError ? error.code : 'E_INTERNAL',
          message: (error as Error).message,
        },
      };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.#current = undefined;
      await Promise.all([...this.#limiters.values()].map((l) => l.stop()));
      this.#limiters.clear();
    }
    await storage.checkpoints.finishRun(runId, outcome.status, outcome.reason, outcome.resumeAfter);
    this.events.emit({ type: 'run-finished', runId, ...outcome });
    return { runId, ...outcome, sources: results };
  }

  /** What a sync would ask for, per source, with its time at the account's limits and its days against the daily quota. */
  async plan(options: Omit<SyncOptions, 'signal'> = {}): Promise<SourcePlan[]> {
    const { storage, registry } = this.#options;
    const now = options.now ?? new Date();
    const context = storage.argContext((id) => (registry.has(id) ? registry.get(id) : undefined));
    const plans: SourcePlan[] = [];
    for (const source of await this.#targets(options.ids, now)) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const limits = this.#limits(source);
      let requests = 0;
      try {
        requests = (
          await planArgs(source, context, {
            since: options.since,
            until: options.until,
            state,
            now,
          })
        ).requests;
      } catch (error) {
        // A source whose calendar or keys are not stored yet is counted once they are.
        if (
          !(error instanceof DsyncError) ||
          !['E_CALENDAR', 'E_MISSING_DEPENDENCY'].includes(error.code)
        )
          throw error;
      }
      const perMs = Math.min(...limits.windows.map((w) => w.limit / w.windowMs));
      plans.push({
        sourceId: source.id,
        api: source.api,
        requests,
        etaMs: perMs > 0 && Number.isFinite(perMs) ? Math.ceil(requests / perMs) : 0,
        days: limits.perDay === undefined ? 1 : Math.max(1, Math.ceil(requests / limits.perDay)),
      });
    }
    return plans;
  }

  /** Per source: where it stands (cursor, last sync), rows stored, what is pending or failed, quota used today. */
  async status(now: Date = new Date()): Promise<SourceStatus[]> {
    const { storage, registry } = this.#options;
    const out: SourceStatus[] = [];
    for (const source of registry.list()) {
      const state = await storage.checkpoints.getSourceState(source.id);
      const failed = await storage.checkpoints.listTasks({
        sourceId: source.id,
        status: 'failed',
        limit: 10_000,
      });
      const day = new Intl.DateTimeFormat('en-CA', {
        timeZone: PROVIDER_PROFILES[source.provider].timezone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).format(now);
      const quota = await storage.checkpoints.getQuotaUsage(this.#quotaScope(source), day);
      const rows = storage.countRows === undefined ? undefined : await storage.countRows(source);
      out.push({
        ...state,
        failedTasks: failed.length,
        quotaUsedToday: quota.used,
        ...(rows === undefined ? {} : { rows }),
      });
    }
    return out;
  }

  /** The quota scope a source's calls count in, as the limiter names it. */
  #quotaScope(source: DataSource): string {
    const account = `${source.provider}:${this.#options.accounts?.[source.provider]?.label ?? 'default'}`;
    return this.#limits(source).perInterface === true ? `${account}:${source.api}` : account;
  }

  /** The sources a sync covers, dependencies first. */
  async #targets(ids: readonly string[] | undefined, now: Date): Promise<DataSource[]> {
    const { registry, storage } = this.#options;
    if (ids !== undefined && ids.length > 0) return registry.resolve(ids);
    const states = new Map<string, SourceState>();
    for (const source of registry.list())
      states.set(source.id, await storage.checkpoints.getSourceState(source.id));
    return registry.unsynced(states, now).map((u) => u.source);
  }

  #limits(source: DataSource) {
    return limitsFor(
      this.#options.accounts?.[source.provider]?.limits ?? DEFAULT_LIMITS[source.provider],
      source,
    );
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

  /** One limiter per provider's account, shared by its sources for the run. */
  #limiter(source: DataSource): AccountLimiter {
    let limiter = this.#limiters.get(source.provider);
    if (limiter === undefined) {
      limiter = new AccountLimiter({
        account: `${source.provider}:${this.#options.accounts?.[source.provider]?.label ?? 'default'}`, // as #quotaScope
        limits: this.#limits(source),
        checkpoints: this.#options.storage.checkpoints,
        timezone: PROVIDER_PROFILES[source.provider].timezone,
      });
      this.#limiters.set(source.provider, limiter);
    }
    return limiter;
  }

  async #syncOne(
    source: DataSource,
    context: ArgContext,
    runId: string,
    now: Date,
    options: SyncOptions,
    signal: AbortSignal,
  ): Promise<SourceResult> {
    const { storage } = this.#options;
    const state = await storage.checkpoints.getSourceState(source.id);
    const rangeOptions = { since: options.since, until: options.until, state, now };
    const result = await syncSource({
      source,
      args: generateArgs(source, context, rangeOptions),
      client: this.#client(source.provider),
      limiter: this.#limiter(source),
      sink: storage.sink,
      checkpoints: storage.checkpoints,
      runId,
      events: this.events,
      signal,
      policy: { ...DEFAULT_ERROR_POLICY, ...this.#options.policy },
      maxConcurrent: this.#limits(source).maxConcurrent,
      ...(this.#options.worker === undefined ? {} : { worker: this.#options.worker }),
    });
    if (result.status === 'done') {
      const leaf = source.args.kind === 'fan-out' ? source.args.each : source.args;
      // A snapshot's cursor is the day it was taken; a range's, the last day it covered.
      const cursor = SNAPSHOT_KINDS.has(leaf.kind)
        ? (options.until ?? now.toISOString().slice(0, 10))
        : (resolveRange(source, rangeOptions)?.end ?? state.cursor);
      if (cursor !== undefined)
        await storage.checkpoints.advanceCursor(source.id, cursor, new Date().toISOString());
    }
    return result;
  }
}
