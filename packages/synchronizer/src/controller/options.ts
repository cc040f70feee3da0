import type { DateRange, Freshness } from '@dsync/arg-generation';
import type {
  ArgContext,
  CheckpointStore,
  Clock,
  DataSource,
  DataSourceRegistry,
  LedgerError,
  Provider,
  RunStatus,
  Sink,
  SourceState,
} from '@dsync/datasource';
import type { ProviderClient } from '../clients/provider-client.js';
import type { SourceResult } from '../engine/sync-source.js';
import type { ErrorPolicyOptions } from '../error-policy.js';
import type { AccountConfig } from './accounts.js';
import type { PlanCount } from './plan/estimate.js';
import type { DroppedRequests } from './run/dropped.js';

/*
 * What the Sync Controller takes and gives, typed once: its options, each use case's options
 * and results.
 */

/** Where data and ledger live: a sink, the checkpoint store, and what arg generation reads. */
export interface ControllerStorage {
  readonly sink: Sink;
  readonly checkpoints: CheckpointStore;
  argContext(sourceOf: (id: string) => DataSource | undefined): ArgContext;
  /**
   * A page of a source's table in primary-key order, for previews; a storage that cannot
   * read back (a queue) leaves it out.
   */
  readRows?(
    source: DataSource,
    page?: { readonly offset?: number; readonly limit?: number },
  ): Promise<Record<string, unknown>[]>;
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

/** Queued for fetch workers: the run stays `running` until `settleQueued` closes it. */
export interface EnqueueResult {
  readonly runId: string;
  /** `running` once tasks are queued; how the local part ended when it did not finish. */
  readonly status: RunStatus;
  /** The run that synced, here, the sources the queued ones read. */
  readonly synced?: RunResult;
  readonly queued: readonly { readonly sourceId: string; readonly tasks: number }[];
  /**
   * Sources not queued: a source they read did not finish here (`E_DEPENDENCY_FAILED`,
   * `E_DEPENDENCY_STOPPED`). The others were queued all the same.
   */
  readonly held: readonly SourceResult[];
}
