import { CATALOG_DEFINITIONS } from '../catalog/index.js';
import { parseDataSource } from '../define.js';
import { DefinitionError, DuplicateSourceError, UnknownSourceError } from '../errors.js';
import type { SourceState } from '../ports/ledger.js';
import { strategyDependencies } from '../schema/arg-strategy.js';
import type { DataSource, DataSourceInput } from '../schema/data-source.js';
import { formatPath } from '../schema/issues.js';
import { topologicalOrder } from './dependency-graph.js';
import { staleness, type StalenessVerdict } from './staleness.js';
import { nearestIds } from './suggest.js';

/**
 * How configuration names a source: a catalog id (`"tushare.daily"`), a catalog entry with
 * overrides (`{ extends: "tushare.daily", sync: { since: "2010-01-01" } }`: objects merge
 * deeply, arrays replace), or a whole definition of its own.
 */
export type SourceEntry = string | SourceOverrides | DataSourceInput;
export type SourceOverrides = { readonly extends: string } & {
  readonly [K in keyof DataSourceInput]?: unknown;
};

export interface RegistryOptions {
  /** Definitions that ids, `extends` and undeclared dependencies are looked up in. @default the built-in catalog */
  readonly catalog?: readonly DataSourceInput[];
  /** Where the entries sit in their config file, for error messages. @default ["sources"] */
  readonly path?: readonly (string | number)[];
}

export interface UnsyncedSource extends StalenessVerdict {
  readonly source: DataSource;
}

/** Looks a source's state up by id, from a map or a function. */
export type SourceStates =
  ReadonlyMap<string, SourceState> | ((id: string) => SourceState | undefined);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepMerge(
  base: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * The sources a deployment knows: loads and validates definitions, looks them up, orders
 * them by dependency and answers "which are unsynced now".
 */
export class DataSourceRegistry {
  readonly #sources = new Map<string, DataSource>();
  /** Which source writes each table, and where it was defined. */
  readonly #tables = new Map<string, { readonly id: string; readonly path: string }>();
  readonly #catalog: ReadonlyMap<string, DataSourceInput>;
  readonly #path: readonly (string | number)[];

  constructor(options: RegistryOptions = {}) {
    this.#catalog = new Map((options.catalog ?? CATALOG_DEFINITIONS).map((d) => [d.id, d]));
    this.#path = options.path ?? ['sources'];
  }

  /**
   * Builds a registry from configuration entries, adds the catalog sources they depend on,
   * and checks that every dependency exists and none is circular.
   * @throws DefinitionError, UnknownSourceError, DuplicateSourceError, DependencyCycleError
   */
  static load(entries: readonly SourceEntry[], options: RegistryOptions = {}): DataSourceRegistry {
    const registry = new DataSourceRegistry(options);
    entries.forEach((entry, i) => registry.register(entry, [...registry.#path, i]));
    registry.#addMissingDependencies();
    registry.resolve();
    return registry;
  }

  /** Validates and adds one entry. `path` locates it in its config file for error messages. */
  register(entry: SourceEntry, path: readonly (string | number)[] = this.#path): DataSource {
    const source = parseDataSource(this.#expand(entry, path), { path });
    if (this.#sources.has(source.id)) throw new DuplicateSourceError(source.id);
    // Two sources in one table would overwrite each other's rows and confuse every count.
    const { table } = source.storage;
    const writer = this.#tables.get(table);
    if (writer !== undefined)
      throw new DefinitionError(source.id, [
        {
          path: `${formatPath(path)}.storage.table`,
          message: `table "${table}" is already written by ${JSON.stringify(writer.id)} (${writer.path}); give one of them a storage.table of its own`,
        },
      ]);
    this.#tables.set(table, { id: source.id, path: formatPath(path) });
    this.#sources.set(source.id, source);
    return source;
  }

  has(id: string): boolean {
    return this.#sources.has(id);
  }

  /** @throws UnknownSourceError with the nearest known ids */
  get(id: string): DataSource {
    const source = this.#sources.get(id);
    if (source === undefined)
      throw new UnknownSourceError(
        id,
        nearestIds(id, [...this.#sources.keys(), ...this.#catalog.keys()]),
      );
    return source;
  }

  /** Every registered source, in registration order. */
  list(): DataSource[] {
    return [...this.#sources.values()];
  }

  /** The sources that must be synced before this one: what its arg strategy reads, and its `dependsOn`. */
  dependenciesOf(id: string): string[] {
    const source = this.get(id);
    const deps = [...strategyDependencies(source.args).map((d) => d.source), ...source.dependsOn];
    return [...new Set(deps)];
  }

  /**
   * The given sources (all when none are given) with everything they depend on, each after
   * its dependencies.
   * @throws DependencyCycleError naming the cycle
   */
  resolve(ids: readonly string[] = [...this.#sources.keys()]): DataSource[] {
    return topologicalOrder(ids, (id) => this.dependenciesOf(id)).map((id) => this.get(id));
  }

  /**
   * The sources that need a sync at `now`, dependencies first, with the reason for each.
   * A source whose dependency is unsynced is not listed for that alone: the controller
   * syncs dependencies first anyway.
   */
  unsynced(
    states: SourceStates,
    now: Date = new Date(),
    ids?: readonly string[],
  ): UnsyncedSource[] {
    const stateOf = typeof states === 'function' ? states : (id: string) => states.get(id);
    return this.resolve(ids).flatMap((source) => {
      const verdict = staleness(source, stateOf(source.id), now);
      return verdict === undefined ? [] : [{ source, ...verdict }];
    });
  }

  #expand(entry: SourceEntry, path: readonly (string | number)[]): unknown {
    if (typeof entry === 'string') return this.#catalogEntry(entry, formatPath(path));
    const value: unknown = entry;
    if (isPlainObject(value) && typeof value['extends'] === 'string') {
      const { extends: base, ...overrides } = value as Record<string, unknown> & {
        extends: string;
      };
      return deepMerge(this.#catalogEntry(base, formatPath([...path, 'extends'])), overrides);
    }
    return entry;
  }

  #catalogEntry(id: string, referencedBy: string): Record<string, unknown> {
    const definition = this.#catalog.get(id);
    if (definition === undefined)
      throw new UnknownSourceError(id, nearestIds(id, this.#catalog.keys()), referencedBy);
    return definition;
  }

  #addMissingDependencies(): void {
    const queue = [...this.#sources.values()];
    for (let source = queue.shift(); source !== undefined; source = queue.shift()) {
      const needed = [
        ...strategyDependencies(source.args),
        ...source.dependsOn.map((dep, i) => ({ source: dep, via: `dependsOn[${i}]` })),
      ];
      for (const { source: dep, via } of needed) {
        if (this.#sources.has(dep)) continue;
        if (!this.#catalog.has(dep)) {
          throw new UnknownSourceError(
            dep,
            nearestIds(dep, [...this.#sources.keys(), ...this.#catalog.keys()]),
            `${source.id} (${via})`,
          );
        }
        queue.push(this.register(dep, ['catalog', dep]));
      }
    }
  }
}
