import { DataSourceRegistry, UnknownSourceError, type SourceEntry } from '@dsync/datasource';

/** Keys of a source's `sync` policy that a config entry may also give at its top level. */
const SYNC_SHORTHANDS = ['since', 'schedule', 'freshness', 'timezone'] as const;

/**
 * A config entry as the registry reads it: `{ extends: tushare.daily, since: 2015-01-01 }` is
 * shorthand for `{ extends: tushare.daily, sync: { since: 2015-01-01 } }`.
 */
export function normalizeEntry(entry: SourceEntry | Record<string, unknown>): SourceEntry {
  if (typeof entry === 'string') return entry;
  const out: Record<string, unknown> = { ...entry };
  const sync: Record<string, unknown> =
    typeof out.sync === 'object' && out.sync !== null ? { ...out.sync } : {};
  let moved = false;
  for (const key of SYNC_SHORTHANDS) {
    if (key in out) {
      sync[key] = out[key];
      delete out[key];
      moved = true;
    }
  }
  if (moved) out.sync = sync;
  return out as SourceEntry;
}

const entryId = (entry: SourceEntry): string | undefined => {
  if (typeof entry === 'string') return entry;
  const e = entry as { id?: unknown; extends?: unknown };
  if (typeof e.id === 'string') return e.id;
  return typeof e.extends === 'string' ? e.extends : undefined;
};

/** The ids of the sources the config's entries define, in their order. */
export function configuredIds(entries: readonly (string | Record<string, unknown>)[]): string[] {
  return entries
    .map((entry) => entryId(normalizeEntry(entry)))
    .filter((id): id is string => id !== undefined);
}

/**
 * The configured sources, plus catalog sources named on the command line that the config
 * does not list (so `dsync sync tushare.daily` works without a config file).
 */
export function loadRegistry(
  entries: readonly (string | Record<string, unknown>)[],
  named: readonly string[] = [],
): DataSourceRegistry {
  const normalized = entries.map(normalizeEntry);
  const configured = new Set(normalized.map(entryId));
  const extra = named.filter((id) => !configured.has(id));
  try {
    return DataSourceRegistry.load([...normalized, ...extra]);
  } catch (error) {
    // The registry counts the named ids as entries after the config's: `sources[3]` would
    // send the user to a config line that does not exist.
    const index = /^sources\[(\d+)\]$/.exec(
      error instanceof UnknownSourceError ? (error.referencedBy ?? '') : '',
    )?.[1];
    if (index === undefined || Number(index) < normalized.length) throw error;
    const { sourceId, suggestions } = error as UnknownSourceError;
    throw new UnknownSourceError(sourceId, suggestions, 'the command line');
  }
}
