/**
 * The HTTP API of the web interface: every route and the shape of its answer, typed once.
 * The server implements it and the UI (bundled for the browser) imports these types, so the
 * two cannot drift. JSON everywhere; an error is `ApiError` with a 4xx/5xx status.
 *
 * | route                          | answer                  |
 * | ------------------------------ | ----------------------- |
 * | GET  /api/health               | `{ status: 'ok' }`      |
 * | GET  /api/sources              | `SourceView[]`: state, settled day, unsettled tail, how far behind |
 * | GET  /api/sources/:id          | `SourceDetail`          |
 * | GET  /api/sources/:id/rows     | `RowsPage` (`?offset=&limit=`, limit ≤ 500) |
 * | GET  /api/runs                 | `RunRecord[]` (`?limit=`, newest first) |
 * | GET  /api/tasks                | `TaskRecord[]` (`?source=&status=&run=&limit=`) |
 * | GET  /api/quota                | `QuotaGauge[]`          |
 * | GET  /api/run                  | `RunView \| null`: the run in progress, else the last one of this server |
 * | GET  /api/series               | `RateSeries`: requests and rows per second, recent minutes |
 * | GET  /api/events               | Server-sent events, see `ServerEvent` |
 * | POST /api/plan                 | `SourcePlan[]` from `SyncRequest`: `count` says if `requests` is exact, an estimate or unknown |
 * | POST /api/sync                 | 202 `{ runId }` from `SyncRequest`; 409 `E_BUSY` while a run is in progress |
 * | POST /api/cancel               | 202 `{ cancelled: runId }`; 409 `E_IDLE` when nothing runs |
 * | POST /api/audit                | `SourceAudit[]` from `AuditRequest` |
 * | GET  /metrics                  | Prometheus text format  |
 *
 * Access: on loopback, open. Beyond it, every request (pages, assets, API, events, metrics)
 * must carry the access token in the `Authorization` header, as `Bearer <token>` (scripts)
 * or as the password of HTTP Basic (browsers prompt for it and resend it, EventSource too).
 */
import type { RunRecord, TaskRecord, TaskStatus } from '@dsync/datasource';
import type {
  PlanCount,
  QuotaGauge,
  SourceAudit,
  SourcePlan,
  SourceStatus,
} from '@dsync/synchronizer';

export type { PlanCount, QuotaGauge, RunRecord, SourceAudit, SourcePlan, TaskRecord, TaskStatus };

export interface ApiError {
  /** A stable code: `E_NOT_FOUND`, `E_BAD_REQUEST`, `E_BUSY`, `E_IDLE`, `E_UNAUTHORIZED`, … */
  readonly error: string;
  /** One paragraph naming what is wrong and where (the parameter, the source id). */
  readonly message: string;
}

/** What `behind.count` counts: open days of the stored calendar, of an exchange, or report periods. */
export type BehindUnit = NonNullable<SourceStatus['freshness']>['unit'];

/** How far a source's stored table is behind what its provider has published. */
export interface SourceBehind {
  /** Days (or report periods) of the source's grid after the latest day stored, through `latestExpected`: 0 is current. */
  readonly count: number;
  readonly unit: BehindUnit;
  /** `current`, or `behind by 3 trading days` (`behind by 1 trading day`): the wording of `dsync status`. */
  readonly text: string;
  /** The latest day the provider has out on a usual day (its publication's `by` passed). */
  readonly latestPublished: string;
  /** The latest day of the grid on or before it: the day a current table has rows for. */
  readonly latestExpected?: string;
}

/**
 * Where a source stands, as the sources page lists it. Its `state`, the first that holds:
 * 1. `failed`: tasks failed for good (it needs a person);
 * 2. `never`: never synced;
 * 3. `pending`: tasks left by a stopped run;
 * 4. `behind`: its table is behind what the provider has published (`behind.count` > 0),
 *    whatever the time of its last sync;
 * 5. `stale`: due by its schedule, or its last sync is older than its `freshness`;
 * 6. `current`.
 */
export interface SourceView {
  readonly id: string;
  readonly provider: string;
  readonly api: string;
  readonly title?: string;
  readonly state: 'never' | 'current' | 'behind' | 'stale' | 'pending' | 'failed';
  readonly lastSyncedAt?: string;
  /** The last settled day: stored, and final at the provider (the source's cursor). */
  readonly settled?: string;
  /**
   * The days after `settled` through the latest published one: stored or not, they may still
   * change, and every sync asks them again until they settle. Absent when there are none.
   */
  readonly unsettled?: { readonly start: string; readonly end: string };
  /** The latest day of the source's coverage date field stored. */
  readonly latestStored?: string;
  /** How far behind the provider its table is; absent for a source without a grid (a snapshot such as a stock list or a calendar). */
  readonly behind?: SourceBehind;
  readonly rows?: number;
  readonly pendingTasks: number;
  readonly failedTasks: number;
  /**
   * Its dropped requests, when it has any: their data is missing, and the settled day stays
   * before the first one's day until they are asked again.
   */
  readonly dropped?: { readonly tasks: number; readonly first?: string; readonly last?: string };
  /** The source's cron schedule and its next fire time after now (ISO). */
  readonly schedule?: string;
  readonly nextRunAt?: string;
  /** The configured maximum age, e.g. "1d": `stale` when the last sync is older. */
  readonly freshness?: string;
  readonly quotaUsedToday: number;
  /** Ids of the sources it reads (the calendar, the symbol list). */
  readonly dependsOn: readonly string[];
}

export interface SourceDetail extends SourceView {
  readonly description?: string;
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly fields: readonly { readonly name: string; readonly type: string }[];
}

export interface RowsPage {
  readonly columns: readonly string[];
  /** Values as stored, read back in one form: never HTML, the UI renders them as text. */
  readonly rows: readonly Record<string, unknown>[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** One source of a run, live. */
export interface RunSourceView {
  readonly sourceId: string;
  readonly status: 'waiting' | 'running' | 'done' | 'stopped' | 'failed' | 'cancelled';
  /** Requests the plan counted; undefined while it cannot tell (a fan-out's keys not stored yet). */
  readonly planned?: number;
  /**
   * `planned` counts open days as weekdays (the calendar was not stored at the start): the
   * source is planned again, exactly, when it starts.
   */
  readonly estimated?: true;
  readonly requests: number;
  readonly done: number;
  readonly left?: number;
  readonly rows: number;
  readonly retries: number;
  readonly coolDowns: number;
  readonly dropped: number;
  /** Until the planned requests are done, at the recent rate. */
  readonly etaMs?: number;
  readonly reason?: { readonly code: string; readonly message: string };
}

export interface RunView {
  readonly runId: string;
  readonly status: 'running' | 'done' | 'stopped' | 'failed' | 'cancelled';
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly reason?: { readonly code: string; readonly message: string };
  readonly resumeAfter?: string;
  /**
   * While it runs: the time its slowest running source needs at its rate so far (each
   * Tushare interface is its own quota scope, so the slowest source is the slowest scope).
   */
  readonly etaMs?: number;
  readonly sources: readonly RunSourceView[];
}

/** Per-second counts over the recent past, for the charts; `limitPerSecond` is the account's. */
export interface RateSeries {
  readonly points: readonly {
    /** Start of the second (ms since the epoch). */
    readonly t: number;
    readonly requests: number;
    readonly rows: number;
  }[];
  /** Per account scope: its strictest rate window as calls per second. */
  readonly limits: readonly { readonly scope: string; readonly perSecond: number }[];
}

/** Body of POST /api/plan and /api/sync: no ids means every unsynced source. */
export interface SyncRequest {
  readonly ids?: readonly string[];
  /** `YYYY-MM-DD` */
  readonly since?: string;
  readonly until?: string;
}

export interface AuditRequest extends SyncRequest {
  readonly backfill?: boolean;
}

/**
 * What /api/events sends: `run` (the live RunView, at most 4 times a second while a run
 * goes on, and at its end), `quota` (every second while a run goes on), `sources` (after a
 * run ends). The first message after connecting is the current `run` (or null).
 */
export type ServerEvent =
  | { readonly type: 'run'; readonly run: RunView | null }
  | { readonly type: 'quota'; readonly quota: readonly QuotaGauge[] }
  | { readonly type: 'sources'; readonly sources: readonly SourceView[] };
