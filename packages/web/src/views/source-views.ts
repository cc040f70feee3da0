import { staleness, type DataSource, type DataSourceRegistry } from '@dsync/datasource';
import type { SourceStatus, SyncController } from '@dsync/synchronizer';
import { Cron } from 'croner';
import type { SourceBehind, SourceDetail, SourceView } from '../api/contract.js';

type Freshness = NonNullable<SourceStatus['freshness']>;

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** A duration in the largest unit it is a whole number of: 86400000 → "1d", 5400000 → "90m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** `1,234`: the number format of `dsync status` and the UI. */
const formatCount = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * `current`, or `behind by 3 trading days` (`behind by 1 trading day`, `behind by 2 periods`):
 * word for word what `dsync status` prints in its freshness column.
 */
export function behindText(freshness: Pick<Freshness, 'behind' | 'unit'>): string {
  if (freshness.behind === 0) return 'current';
  const unit = freshness.behind === 1 ? freshness.unit.replace(/s$/, '') : freshness.unit;
  return `behind by ${formatCount(freshness.behind)} ${unit}`;
}

function behindOf(freshness: Freshness | undefined): SourceBehind | undefined {
  if (freshness === undefined) return undefined;
  return {
    count: freshness.behind,
    unit: freshness.unit,
    text: behindText(freshness),
    latestPublished: freshness.latestPublished,
    ...(freshness.latestExpected === undefined ? {} : { latestExpected: freshness.latestExpected }),
  };
}

/**
 * The first that holds: `failed` (it needs a person), `never` synced, `pending` tasks left by
 * a stopped run, `behind` the provider (whatever the time of the last sync), `stale` (due by
 * its schedule or freshness), else `current`. The contract's `SourceView` documents it.
 */
function stateOf(source: DataSource, status: SourceStatus, now: Date): SourceView['state'] {
  if (status.failedTasks > 0) return 'failed';
  const verdict = staleness(source, status, now);
  if (verdict?.reason === 'never-synced') return 'never';
  if (verdict?.reason === 'pending-tasks') return 'pending';
  if ((status.freshness?.behind ?? 0) > 0) return 'behind';
  return verdict === undefined ? 'current' : 'stale';
}

/** What the sources page says of dropped requests: how many, and the days they cover. */
function droppedOf(dropped: SourceStatus['dropped']): SourceView['dropped'] {
  if (dropped === undefined) return undefined;
  const { tasks, first, last } = dropped;
  return {
    tasks,
    ...(first === undefined ? {} : { first }),
    ...(last === undefined ? {} : { last }),
  };
}

/** The next fire time of the source's cron schedule after `now`, in its time zone. */
function nextRunOf(source: DataSource, now: Date): string | undefined {
  const { schedule, timezone } = source.sync;
  if (schedule === undefined) return undefined;
  return new Cron(schedule, { timezone, paused: true }).nextRun(now)?.toISOString();
}

function sourceView(
  source: DataSource,
  status: SourceStatus,
  registry: DataSourceRegistry,
  now: Date,
): SourceView {
  const { schedule, freshness } = source.sync;
  const optional = {
    title: source.title,
    lastSyncedAt: status.lastSyncedAt,
    settled: status.cursor,
    unsettled: status.unsettled,
    latestStored: status.latestStored,
    behind: behindOf(status.freshness),
    rows: status.rows,
    dropped: droppedOf(status.dropped),
    schedule,
    nextRunAt: nextRunOf(source, now),
    freshness: freshness === undefined ? undefined : formatDuration(freshness),
  };
  return {
    id: source.id,
    provider: source.provider,
    api: source.api,
    state: stateOf(source, status, now),
    pendingTasks: status.pendingTasks,
    failedTasks: status.failedTasks,
    quotaUsedToday: status.quotaUsedToday,
    dependsOn: registry.dependenciesOf(source.id),
    // Absent rather than undefined: the answer lists only what is known.
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/**
 * Every registered source as the sources page lists it, in registration order, as it stands
 * at `now` (give dsync's clock: the controller's).
 */
export async function sourceViews(
  controller: SyncController,
  registry: DataSourceRegistry,
  now: Date = new Date(),
): Promise<SourceView[]> {
  const statuses = await controller.status(now);
  return statuses.map((status) => sourceView(registry.get(status.sourceId), status, registry, now));
}

/** One source with its table's shape. @throws UnknownSourceError (404) with the nearest ids */
export async function sourceDetail(
  controller: SyncController,
  registry: DataSourceRegistry,
  id: string,
  now: Date = new Date(),
): Promise<SourceDetail> {
  const source = registry.get(id);
  const view = (await sourceViews(controller, registry, now)).find((v) => v.id === id);
  return {
    ...(view as SourceView),
    ...(source.description === undefined ? {} : { description: source.description }),
    table: source.storage.table,
    primaryKey: source.primaryKey,
    fields: source.fields.map((f) => ({ name: f.name, type: f.type })),
  };
}
