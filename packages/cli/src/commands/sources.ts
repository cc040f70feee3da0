import { builtInCatalog, DataSourceRegistry, type DataSource } from '@dsync/datasource';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { configuredIds, loadRegistry } from '../runtime/sources.js';

/** A source as `sources list` shows it, with where it stands in the configuration. */
interface SourceRow {
  readonly id: string;
  /** Named in the config file's `sources`. */
  readonly configured: boolean;
  /** The configured sources that bring it in, when it is not named itself. */
  readonly neededBy?: readonly string[];
  readonly provider: string;
  readonly api: string;
  readonly args: string;
  readonly table: string;
  readonly title: string;
}

/** The catalog as a registry, so lookups fail with the registry's "did you mean". */
const catalogRegistry = (): DataSourceRegistry =>
  DataSourceRegistry.load([...builtInCatalog().keys()]);

/** The configured sources (overrides applied) with what they depend on. */
async function configuredRegistry(context: CliContext) {
  const { config } = await context.config();
  return { registry: loadRegistry(config.sources), named: new Set(configuredIds(config.sources)) };
}

function rowOf(source: DataSource, configured: boolean, neededBy?: readonly string[]): SourceRow {
  return {
    id: source.id,
    configured,
    ...(neededBy === undefined ? {} : { neededBy }),
    provider: source.provider,
    api: source.api,
    args: source.args.kind,
    table: source.storage.table,
    title: source.title ?? '',
  };
}

/** The configured sources first (as configured, then what they need), then the rest of the catalog. */
async function sourceRows(context: CliContext): Promise<SourceRow[]> {
  const { registry, named } = await configuredRegistry(context);
  const neededBy = (id: string) =>
    registry
      .list()
      .filter((s) => registry.dependenciesOf(s.id).includes(id))
      .map((s) => s.id);
  const inConfig = registry
    .list()
    .map((s) => (named.has(s.id) ? rowOf(s, true) : rowOf(s, false, neededBy(s.id))));
  const rest = catalogRegistry()
    .list()
    .filter((s) => !registry.has(s.id))
    .map((s) => rowOf(s, false));
  return [...inConfig, ...rest];
}

const configuredCell = (row: SourceRow): string =>
  row.configured ? 'yes' : row.neededBy === undefined ? '' : `needed by ${row.neededBy.join(', ')}`;

/** `dsync sources`: the configured sources and the built-in catalog. */
export function registerSourcesCommand(program: Command, context: CliContext): void {
  const { output } = context;
  const sources = program.command('sources').description('list and inspect data sources');

  sources
    .command('list', { isDefault: true })
    .description('list the configured sources, then the rest of the built-in catalog')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      const rows = await sourceRows(context);
      if (options.json) return output.json(rows);
      output.table(
        rows.map((row) => ({ ...row, configured: configuredCell(row) })),
        ['id', 'configured', 'provider', 'api', 'args', 'table', 'title'],
      );
    });

  sources
    .command('show')
    .description(
      'show one source as configured (or as the catalog has it): fields, primary key, args, storage, schedule',
    )
    .argument('<id>', 'source id, e.g. tushare.daily')
    .option('--json', 'print the resolved definition as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { registry } = await configuredRegistry(context);
      const source = registry.has(id) ? registry.get(id) : catalogRegistry().get(id);
      if (options.json) return output.json(source);
      output.line(`${source.id}  ${source.title ?? ''}`);
      if (source.description) output.line(source.description);
      output.line(
        `provider ${source.provider}, api ${source.api}, row cap ${source.rowCap ?? 'none'}`,
      );
      output.line(`args ${JSON.stringify(source.args)}`);
      output.line(
        `table ${source.storage.table} (${source.storage.writeMode}), primary key ${source.primaryKey.join(', ')}`,
      );
      if (source.sync.schedule)
        output.line(`schedule "${source.sync.schedule}" ${source.sync.timezone}`);
      output.line('');
      output.table(
        source.fields.map((f) => ({
          field: f.name,
          type: f.type,
          nullable: f.nullable ? 'yes' : 'no',
        })),
        ['field', 'type', 'nullable'],
      );
    });
}
